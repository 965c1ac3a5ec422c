/**
 * The Kafka listener over real sockets: pipelined requests are answered in order even when
 * an earlier one (a long-polling Fetch) finishes last; max_connections refuses the extra
 * connection; idle connections are closed after connections_max_idle_ms.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { encodeRequestFrame, responseCorrelationId } from "../../protocol/messages/frame.ts";
import { ApiKey } from "../../protocol/messages/generated/apis.ts";
import { type BrokerProcess, removeDir, startBrokerProcess } from "../helpers/broker-process.ts";
import { request } from "../helpers/kafka-request.ts";
import { connectRaw, type RawClient } from "../helpers/raw-client.ts";

let broker: BrokerProcess;

/**
 * A connection the broker serves. Connections an earlier test closed may still count
 * against max_connections until the broker has seen them go, so a refused one is retried.
 */
async function connectServed(deadlineMs = 10_000): Promise<RawClient> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const client = await connectRaw(broker.port);
    try {
      await request(client, ApiKey.ApiVersions, 3, {});
      return client;
    } catch (err) {
      client.end();
      if (Date.now() > until) throw err;
      await Bun.sleep(50);
    }
  }
}

beforeAll(async () => {
  broker = await startBrokerProcess({
    env: { DATACORE_MAX_CONNECTIONS: "3", DATACORE_CONNECTIONS_MAX_IDLE_MS: "1500" },
  });
});

afterAll(async () => {
  await broker?.stop();
  if (broker) removeDir(broker.dataDir);
});

describe("listener", () => {
  test("pipelined requests come back in request order, a slow long poll first", async () => {
    const client = await connectRaw(broker.port);
    await request(client, ApiKey.CreateTopics, 7, {
      topics: [{ name: "quiet", numPartitions: 1, replicationFactor: 1 }],
    });
    const frames: Uint8Array[] = [];
    // Correlation 1000: a Fetch that waits 300 ms for data that never comes.
    frames.push(
      encodeRequestFrame(ApiKey.Fetch, 12, 1000, "pipe", {
        maxWaitMs: 300,
        minBytes: 1,
        maxBytes: 1 << 20,
        sessionEpoch: -1,
        topics: [
          {
            topic: "quiet",
            partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }],
          },
        ],
      }).slice(),
    );
    for (let i = 1; i <= 50; i++) {
      frames.push(
        encodeRequestFrame(ApiKey.ApiVersions, i % 2 === 0 ? 3 : 0, 1000 + i, "pipe", {}).slice(),
      );
    }
    const all = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
    let at = 0;
    for (const f of frames) {
      all.set(f, at);
      at += f.length;
    }
    const started = Date.now();
    client.send(all);
    const order: number[] = [];
    for (let i = 0; i <= 50; i++) {
      const frame = await client.nextFrame();
      expect(frame).not.toBeNull();
      order.push(responseCorrelationId(frame!));
    }
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(order).toEqual(Array.from({ length: 51 }, (_, i) => 1000 + i));
    client.end();
  });

  test("connections beyond max_connections are refused; the others keep working", async () => {
    const held = [await connectServed(), await connectServed(), await connectServed()];
    const extra = await connectRaw(broker.port);
    expect(await extra.closed(3000)).toBe(true);
    expect(broker.output()).toContain("refusing connection: max_connections reached");
    const r = await request(held[0]!, ApiKey.ApiVersions, 3, {});
    expect(r.errorCode).toBe(0);
    for (const c of held) c.end();
  });

  test("an idle connection is closed after connections_max_idle_ms", async () => {
    const client = await connectServed();
    expect(await client.closed(5000)).toBe(true);
    expect(broker.output()).toContain("closing idle connection");
  });
});
