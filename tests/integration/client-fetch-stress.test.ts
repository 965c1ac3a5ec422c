/**
 * Stress for lost wake-ups and dropped data between produce and long-polling fetches
 * (file engine, loopback). Consumers long-poll with a 30 s max wait, so any race that
 * leaves a fetch waiting although data is there — a wake-up missed between the read and
 * the wait, an incremental fetch session answering without a partition that has data, a
 * read that comes back short or empty below the high watermark — costs 30 s and fails
 * the bounded deadline here instead of passing slowly. Tiny byte budgets force partial
 * reads, KIP-74 first batches and partitions left out of a response.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Consumer, KafkaClient } from "../../client/index.ts";
import {
  type BrokerProcess,
  removeDir,
  startBrokerProcess,
  tempDataDir,
} from "../helpers/broker-process.ts";

const PARTITIONS = 4;
const LONG_POLL_MS = 30_000;
/** Far below LONG_POLL_MS: one missed wake-up is enough to fail. */
const DEADLINE_MS = 20_000;

let broker: BrokerProcess;
let kafka: KafkaClient;
const dataDir = tempDataDir("datacore-fetch-stress-");

beforeAll(async () => {
  broker = await startBrokerProcess({ dataDir });
  kafka = new KafkaClient({ brokers: broker.bootstrap });
});
afterAll(async () => {
  await kafka.close();
  await broker.stop();
  removeDir(dataDir);
});

/**
 * Polls until every partition reached `want()` records once `finished` resolved; checks
 * order and no gaps. A poll still waiting when the consumer has everything is left to
 * the consumer's close.
 */
async function follow(
  consumer: Consumer,
  topic: string,
  want: () => number[],
  finished: Promise<void>,
  deadlineMs: number,
): Promise<number[]> {
  const next = new Array<number>(PARTITIONS).fill(0);
  let done = false;
  void finished.then(() => {
    done = true;
  });
  const caughtUp = () => done && next.every((n, p) => n >= want()[p]!);
  for (;;) {
    if (caughtUp() || Date.now() > deadlineMs) return next;
    const poll = consumer.poll(Math.max(1, deadlineMs - Date.now()));
    poll.catch(() => {});
    let records = await Promise.race([poll, finished.then(() => null)]);
    if (records === null) {
      if (caughtUp()) return next;
      records = await poll;
    }
    for (const r of records) {
      expect(r.topic).toBe(topic);
      // Exactly the next offset of its partition: nothing skipped, nothing twice.
      expect(r.offset).toBe(next[r.partition]!);
      expect(new TextDecoder().decode(r.value!)).toBe(`${r.partition}:${r.offset}`);
      next[r.partition]!++;
    }
  }
}

function consumers(
  topic: string,
  n: number,
  opts: { maxBytes: number; maxPartitionBytes: number },
) {
  return Array.from({ length: n }, () => {
    const c = kafka.consumer({
      autoOffsetReset: "earliest",
      maxWaitMs: LONG_POLL_MS,
      minBytes: 1,
      ...opts,
    });
    c.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic, partition })));
    return c;
  });
}

describe("long-polling consumers racing appends", () => {
  test("a trickle of single records wakes every long-polling consumer each time (no 30 s stall)", async () => {
    const topic = "stress-trickle";
    await kafka.admin().createTopics([{ name: topic, partitions: PARTITIONS }]);
    const producer = kafka.producer({ lingerMs: 0 });
    const group = consumers(topic, 3, { maxBytes: 50 * 1024 * 1024, maxPartitionBytes: 1 << 20 });
    const acked = new Array<number>(PARTITIONS).fill(0);
    const finished = Promise.withResolvers<void>();
    const deadline = Date.now() + DEADLINE_MS;
    const following = group.map((c) => follow(c, topic, () => acked, finished.promise, deadline));
    // One record at a time, each acknowledged before the next: every append lands while
    // the consumers sit in (or enter) a long poll.
    for (let i = 0; i < 300 && Date.now() < deadline; i++) {
      const partition = i % PARTITIONS;
      await producer.send({ topic, partition, value: `${partition}:${acked[partition]}` });
      acked[partition]!++;
      if (i % 7 === 0) await Bun.sleep(1);
    }
    finished.resolve();
    const seen = await Promise.all(following);
    for (const s of seen) expect(s).toEqual(acked);
    await producer.close();
    await Promise.all(group.map((c) => c.close()));
  }, 60_000);

  test("bursts from two producers under tiny fetch budgets reach every consumer exactly once", async () => {
    const topic = "stress-bursts";
    await kafka.admin().createTopics([{ name: topic, partitions: PARTITIONS }]);
    // Per-partition order across two producers: each owns two partitions.
    const producers = [kafka.producer({ lingerMs: 1 }), kafka.producer({ lingerMs: 0 })];
    const group = consumers(topic, 3, { maxBytes: 3000, maxPartitionBytes: 1500 });
    const acked = new Array<number>(PARTITIONS).fill(0);
    const finished = Promise.withResolvers<void>();
    const deadline = Date.now() + DEADLINE_MS;
    const following = group.map((c) => follow(c, topic, () => acked, finished.promise, deadline));
    const produced = new Array<number>(PARTITIONS).fill(0);
    await Promise.all(
      producers.map(async (producer, k) => {
        for (let burst = 0; burst < 60 && Date.now() < deadline; burst++) {
          for (let i = 0; i < 1 + ((burst * 13) % 40); i++) {
            const partition = k * 2 + (i % 2);
            producer.produce(
              { topic, partition, value: `${partition}:${produced[partition]!++}` },
              (err) => {
                if (!err) acked[partition]!++;
              },
            );
          }
          await producer.flush();
          await Bun.sleep(burst % 3);
        }
      }),
    );
    expect(acked).toEqual(produced);
    finished.resolve();
    const seen = await Promise.all(following);
    for (const s of seen) expect(s).toEqual(acked);
    await Promise.all(producers.map((p) => p.close()));
    await Promise.all(group.map((c) => c.close()));
  }, 60_000);
});
