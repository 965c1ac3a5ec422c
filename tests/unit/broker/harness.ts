/**
 * An in-process broker for unit tests: the real core, handlers and pipeline over the
 * memory engine, a manual clock and seeded randomness. `call` sends one typed request
 * through the pipeline exactly as a connection would and decodes the answer.
 */

import { type BrokerConfig, DEFAULT_CONFIG } from "../../../broker/config.ts";
import { BrokerCore } from "../../../broker/core/broker-core.ts";
import { defaultRegistry } from "../../../broker/handlers/index.ts";
import { silentLogger } from "../../../broker/logger.ts";
import type { FrameOutcome } from "../../../broker/network/transport.ts";
import { createPipeline } from "../../../broker/pipeline.ts";
import { MemoryProducerIdAllocator } from "../../../broker/runtime/producer-id-file.ts";
import type { Input } from "../../../protocol/codec/generated-support.ts";
import { decodeResponseFrame, encodeRequestFrame } from "../../../protocol/messages/frame.ts";
import type {
  ApiKey,
  ApiRequestMap,
  ApiResponseMap,
} from "../../../protocol/messages/generated/apis.ts";
import type { Random } from "../../../storage/clock.ts";
import { MemoryEngine } from "../../../storage/memory/memory-engine.ts";
import { ManualClock } from "../../../storage/testing/manual-clock.ts";

export function seededRandom(seed = 42): Random {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (bound) => Math.floor(next() * bound),
    bytes: (n) => Uint8Array.from({ length: n }, () => Math.floor(next() * 256)),
  };
}

export interface TestBroker {
  core: BrokerCore;
  clock: ManualClock;
  /** Sends a request; resolves with the decoded response (null when none is sent). */
  call<K extends ApiKey>(
    apiKey: K,
    version: number,
    body: Input<ApiRequestMap[K]>,
  ): Promise<ApiResponseMap[K] | null>;
  /** The raw pipeline outcome, for close/none cases. */
  raw(frame: Uint8Array): Promise<FrameOutcome>;
}

export async function startTestBroker(overrides: Partial<BrokerConfig> = {}): Promise<TestBroker> {
  const config: BrokerConfig = { ...DEFAULT_CONFIG, storage_engine: "memory", ...overrides };
  const clock = new ManualClock();
  const random = seededRandom();
  const engine = new MemoryEngine({
    clock,
    clusterId: "test-cluster-id-000000",
    nodeId: config.broker_id,
  });
  const core = await BrokerCore.open({
    config,
    clock,
    random,
    logger: silentLogger,
    engine,
    producerIds: new MemoryProducerIdAllocator(),
    clusterId: "test-cluster-id-000000",
    advertised: { host: "localhost", port: 9092 },
  });
  const pipeline = createPipeline(core, defaultRegistry(), silentLogger);
  const connection = { id: 1, remote: "test" };
  let correlation = 0;
  const raw = async (frame: Uint8Array) => pipeline(frame, connection);
  return {
    core,
    clock,
    raw,
    async call(apiKey, version, body) {
      const id = ++correlation;
      const outcome = await raw(encodeRequestFrame(apiKey, version, id, "unit", body).slice(4));
      if (outcome.kind === "none") return null;
      if (outcome.kind === "close") throw new Error(`connection closed: ${outcome.reason}`);
      return decodeResponseFrame(apiKey, version, outcome.frame.subarray(4)).body;
    },
  };
}
