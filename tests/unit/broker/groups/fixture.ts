/** A group coordinator over a manual clock and an in-memory log, for state-machine tests. */

import type { JoinRequest } from "../../../../broker/groups/classic.ts";
import type { GroupSettings, TopicCatalog, TopicInfo } from "../../../../broker/groups/context.ts";
import { GroupCoordinator } from "../../../../broker/groups/coordinator.ts";
import { MemoryGroupLog } from "../../../../broker/groups/memory-group-log.ts";
import { silentLogger } from "../../../../broker/logger.ts";
import { Writer } from "../../../../protocol/codec/writer.ts";
import { encodeConsumerProtocolSubscription } from "../../../../protocol/messages/generated/consumer-protocol-subscription.ts";
import { ManualClock } from "../../../../storage/testing/manual-clock.ts";
import { seededRandom } from "../harness.ts";

export const SETTINGS: GroupSettings = {
  initialRebalanceDelayMs: 0,
  minSessionTimeoutMs: 6000,
  maxSessionTimeoutMs: 300_000,
  maxGroupSize: 1000,
  offsetsRetentionMs: 7 * 24 * 3600_000,
  offsetMetadataMaxBytes: 4096,
  consumerHeartbeatIntervalMs: 5000,
  consumerSessionTimeoutMs: 45_000,
};

export class FakeTopics implements TopicCatalog {
  readonly topics: TopicInfo[] = [];
  add(name: string, partitions: number): TopicInfo {
    const id = Buffer.from(name.padEnd(16, "_").slice(0, 16)).toString("base64url");
    const t = { name, id, partitions };
    this.topics.push(t);
    return t;
  }
  list(): TopicInfo[] {
    return [...this.topics];
  }
  byName(name: string): TopicInfo | undefined {
    return this.topics.find((t) => t.name === name);
  }
  byId(id: string): TopicInfo | undefined {
    return this.topics.find((t) => t.id === id);
  }
}

export interface Fixture {
  clock: ManualClock;
  log: MemoryGroupLog;
  topics: FakeTopics;
  coordinator: GroupCoordinator;
  /** A second coordinator over the same log: what a restart sees. */
  restart(): Promise<GroupCoordinator>;
}

export async function fixture(settings: Partial<GroupSettings> = {}): Promise<Fixture> {
  const clock = new ManualClock();
  const log = new MemoryGroupLog(4);
  const topics = new FakeTopics();
  const make = () =>
    new GroupCoordinator({
      clock,
      random: seededRandom(7),
      logger: silentLogger,
      log,
      topics,
      settings: { ...SETTINGS, ...settings },
    });
  const coordinator = make();
  await coordinator.start();
  return {
    clock,
    log,
    topics,
    coordinator,
    async restart() {
      coordinator.stop();
      const next = make();
      await next.start();
      return next;
    },
  };
}

/** ConsumerProtocolSubscription v1 with Kafka's int16 version prefix. */
export function subscription(topics: string[]): Uint8Array {
  const w = new Writer(64);
  w.int16(1);
  encodeConsumerProtocolSubscription(w, { topics, userData: null, ownedPartitions: [] }, 1);
  return w.finish();
}

export function joinRequest(over: Partial<JoinRequest> = {}): JoinRequest {
  return {
    groupId: "g",
    memberId: "",
    groupInstanceId: null,
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 30_000,
    protocolType: "consumer",
    protocols: [{ name: "range", metadata: subscription(["orders"]) }],
    clientId: "client",
    clientHost: "/127.0.0.1",
    apiVersion: 9,
    ...over,
  };
}

/** Lets pending promise callbacks (log appends, waiters) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}
