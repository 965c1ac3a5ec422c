/**
 * The client library end to end: producer → broker → consumer, against datacore (plain
 * assignment) and librdkafka's mock cluster (consumer groups with rebalances).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type ConsumerRecord, KafkaClient, partitionForKey } from "../../client/index.ts";
import { type RunningBroker, startBroker } from "../fixtures/datacore-broker.ts";
import {
  type MockCluster,
  mockClusterAvailable,
  startMockCluster,
} from "../fixtures/mock-cluster.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));

async function drain(
  consumer: ReturnType<KafkaClient["consumer"]>,
  want: number,
  timeoutMs = 10_000,
): Promise<ConsumerRecord[]> {
  const out: ConsumerRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < want && Date.now() < deadline) out.push(...(await consumer.poll(500)));
  return out;
}

describe("client against datacore", () => {
  let broker: RunningBroker;
  let kafka: KafkaClient;
  beforeAll(async () => {
    broker = await startBroker();
    kafka = new KafkaClient({ brokers: broker.bootstrap });
  });
  afterAll(async () => {
    await kafka.close();
    await broker.stop();
  });

  test("50,000 keyed records land on murmur2 partitions and come back in order per partition", async () => {
    const admin = kafka.admin();
    const [created] = await admin.createTopics([{ name: "keyed", partitions: 4 }]);
    expect(created?.error).toBeNull();
    const producer = kafka.producer({ lingerMs: 2 });
    for (let i = 0; i < 50_000; i++) {
      const wait = producer.produce({
        topic: "keyed",
        key: `user-${i % 1000}`,
        value: `event-${i}`,
      });
      if (wait) await wait;
    }
    await producer.flush();
    expect(producer.producerId.id).toBeGreaterThanOrEqual(0);
    const consumer = kafka.consumer({ autoOffsetReset: "earliest" });
    consumer.assign([0, 1, 2, 3].map((partition) => ({ topic: "keyed", partition })));
    const records = await drain(consumer, 50_000, 20_000);
    expect(records.length).toBe(50_000);
    const lastSeen = new Map<string, number>();
    for (const r of records) {
      const key = dec(r.key)!;
      expect(r.partition).toBe(partitionForKey(enc(key), 4));
      const n = Number(dec(r.value)!.slice(6));
      // Records of one key are produced in increasing order and must be read that way.
      expect(n).toBeGreaterThan(lastSeen.get(key) ?? -1);
      lastSeen.set(key, n);
    }
    await consumer.close();
  }, 60_000);

  test.if(Bun.which("kcat") !== null)(
    "keys kcat places with librdkafka's Java-compatible murmur2 partitioner land where ours would",
    async () => {
      await kafka.admin().createTopics([{ name: "by-kcat", partitions: 6 }]);
      const lines = `${Array.from({ length: 300 }, (_, i) => `key-${i}:v${i}`).join("\n")}\n`;
      const proc = Bun.spawn(
        [
          "kcat",
          "-b",
          broker.bootstrap,
          "-t",
          "by-kcat",
          "-P",
          "-K",
          ":",
          "-X",
          "partitioner=murmur2_random",
        ],
        { stdin: new TextEncoder().encode(lines), stdout: "ignore", stderr: "pipe" },
      );
      expect(await proc.exited).toBe(0);
      const consumer = kafka.consumer({ autoOffsetReset: "earliest" });
      consumer.assign([0, 1, 2, 3, 4, 5].map((partition) => ({ topic: "by-kcat", partition })));
      const records = await drain(consumer, 300);
      expect(records.length).toBe(300);
      for (const r of records) expect(r.partition).toBe(partitionForKey(r.key!, 6));
      expect(new Set(records.map((r) => r.partition)).size).toBe(6);
      await consumer.close();
    },
    30_000,
  );

  for (const compression of ["gzip", "snappy", "lz4", "zstd"] as const) {
    test(`${compression}-compressed batches round-trip with headers`, async () => {
      const topic = `comp-${compression}`;
      await kafka.admin().createTopics([{ name: topic, partitions: 1 }]);
      const producer = kafka.producer({ compression });
      await Promise.all(
        Array.from({ length: 500 }, (_, i) =>
          producer.send({
            topic,
            value: `payload ${i} ${"z".repeat(i % 50)}`,
            headers: [{ key: "i", value: String(i) }],
          }),
        ),
      );
      const consumer = kafka.consumer({ autoOffsetReset: "earliest" });
      consumer.assign([{ topic, partition: 0 }]);
      const records = await drain(consumer, 500);
      expect(records.map((r) => dec(r.value))).toEqual(
        Array.from({ length: 500 }, (_, i) => `payload ${i} ${"z".repeat(i % 50)}`),
      );
      expect(records.map((r) => dec(r.headers[0]?.value ?? null))).toEqual(
        Array.from({ length: 500 }, (_, i) => String(i)),
      );
      await consumer.close();
    }, 30_000);
  }

  test("seek rereads; pause stops a partition; resume continues where it was", async () => {
    await kafka.admin().createTopics([{ name: "nav", partitions: 2 }]);
    const producer = kafka.producer();
    for (let i = 0; i < 10; i++)
      producer.produce({ topic: "nav", partition: i % 2, value: `v${i}` });
    await producer.flush();
    const consumer = kafka.consumer({ autoOffsetReset: "earliest" });
    consumer.assign([
      { topic: "nav", partition: 0 },
      { topic: "nav", partition: 1 },
    ]);
    expect((await drain(consumer, 10)).length).toBe(10);
    consumer.seek({ topic: "nav", partition: 0 }, 3);
    const again = await drain(consumer, 2);
    expect(again.map((r) => [r.partition, r.offset, dec(r.value)])).toEqual([
      [0, 3, "v6"],
      [0, 4, "v8"],
    ]);
    consumer.pause([{ topic: "nav", partition: 1 }]);
    producer.produce({ topic: "nav", partition: 0, value: "p0" });
    producer.produce({ topic: "nav", partition: 1, value: "p1" });
    await producer.flush();
    const whilePaused = await drain(consumer, 1);
    expect(whilePaused.map((r) => dec(r.value))).toEqual(["p0"]);
    expect((await consumer.poll(300)).length).toBe(0);
    consumer.resume([{ topic: "nav", partition: 1 }]);
    const resumed = await drain(consumer, 1);
    expect(resumed.map((r) => dec(r.value))).toEqual(["p1"]);
    expect(consumer.position({ topic: "nav", partition: 1 })).toBe(6);
    await consumer.close();
  }, 30_000);

  test("commits and position cover only records handed out; pause loses nothing buffered", async () => {
    await kafka.admin().createTopics([{ name: "handed", partitions: 1 }]);
    const producer = kafka.producer();
    for (let i = 0; i < 10; i++) producer.produce({ topic: "handed", value: `h${i}` });
    await producer.flush();
    const consumer = kafka.consumer({ groupId: "handed-g", autoCommit: false, maxPollRecords: 3 });
    const tp = { topic: "handed", partition: 0 };
    consumer.assign([{ ...tp, offset: 0 }]);
    const first = await consumer.poll(5000);
    expect(first.map((r) => r.offset)).toEqual([0, 1, 2]);
    // The fetch brought all 10; the application has seen 3.
    expect(consumer.position(tp)).toBe(3);
    await consumer.commit();
    expect(await consumer.committed([tp])).toMatchObject([{ offset: 3 }]);
    consumer.pause([tp]);
    expect(await consumer.poll(200)).toEqual([]);
    consumer.resume([tp]);
    const rest = await drain(consumer, 7);
    expect(rest.map((r) => r.offset)).toEqual([3, 4, 5, 6, 7, 8, 9]);
    await consumer.close();
  }, 30_000);

  test("a group picks up partitions added to its topic (the leader triggers a rebalance)", async () => {
    const admin = kafka.admin();
    await admin.createTopics([{ name: "growing", partitions: 2 }]);
    const consumer = kafka.consumer({
      groupId: "growing-g",
      autoOffsetReset: "earliest",
      metadataCheckIntervalMs: 200,
      heartbeatIntervalMs: 200,
    });
    consumer.subscribe(["growing"]);
    let deadline = Date.now() + 15_000;
    while (consumer.assignment().length !== 2 && Date.now() < deadline) await consumer.poll(200);
    expect(consumer.assignment().length).toBe(2);
    expect((await admin.createPartitions("growing", 4)).error).toBeNull();
    deadline = Date.now() + 15_000;
    while (consumer.assignment().length !== 4 && Date.now() < deadline) await consumer.poll(200);
    expect(
      consumer
        .assignment()
        .map((tp) => tp.partition)
        .sort(),
    ).toEqual([0, 1, 2, 3]);
    await consumer.close();
  }, 40_000);

  test("acks=0 still delivers (offsets unknown to the producer)", async () => {
    await kafka.admin().createTopics([{ name: "fire", partitions: 1 }]);
    const producer = kafka.producer({ acks: 0, idempotent: false });
    const meta = await producer.send({ topic: "fire", value: "x" });
    expect(meta.offset).toBe(-1);
    const consumer = kafka.consumer({ autoOffsetReset: "earliest" });
    consumer.assign([{ topic: "fire", partition: 0 }]);
    expect((await drain(consumer, 1)).map((r) => dec(r.value))).toEqual(["x"]);
    await consumer.close();
  });

  test("listOffsets by time returns the first offset at or after it", async () => {
    await kafka.admin().createTopics([{ name: "timed", partitions: 1 }]);
    const producer = kafka.producer();
    await producer.send({ topic: "timed", value: "old", timestamp: 1_000 });
    await producer.send({ topic: "timed", value: "new", timestamp: 5_000 });
    const answers = await kafka
      .admin()
      .listOffsets([{ topic: "timed", partition: 0, timestamp: 2_000 }]);
    expect([...answers.values()][0]).toMatchObject({ offset: 1, timestamp: 5_000 });
  });
});

/** Group scenarios shared by both targets; `prepare` makes a 4-partition topic exist. */
function groupTests(
  bootstrap: () => string,
  prepare: (kafka: KafkaClient, topic: string) => Promise<void>,
) {
  for (const assignor of ["range", "roundrobin"] as const) {
    test(`two members split the partitions (${assignor}); when one leaves the other takes all`, async () => {
      const kafka = new KafkaClient({ brokers: bootstrap() });
      const topic = `grp-${assignor}`;
      await prepare(kafka, topic);
      const producer = kafka.producer();
      for (let i = 0; i < 40; i++) producer.produce({ topic, key: `k${i}`, value: `v${i}` });
      await producer.flush();
      const opts = {
        groupId: `g-${assignor}`,
        assignors: [assignor],
        autoOffsetReset: "earliest" as const,
        sessionTimeoutMs: 6000,
        heartbeatIntervalMs: 300,
      };
      const a = kafka.consumer(opts);
      const b = kafka.consumer(opts);
      a.subscribe([topic]);
      b.subscribe([topic]);
      // Both poll concurrently so both join the same generation.
      const [ra, rb] = await Promise.all([drain(a, 1, 8000), drain(b, 1, 8000)]);
      expect(ra.length + rb.length).toBeGreaterThan(0);
      const owned = [...a.assignment(), ...b.assignment()].map((tp) => tp.partition).sort();
      expect(owned).toEqual([0, 1, 2, 3]);
      expect(a.assignment().length).toBe(2);
      await a.commit();
      await a.close();
      const deadline = Date.now() + 15_000;
      while (b.assignment().length < 4 && Date.now() < deadline) await b.poll(300);
      expect(b.assignment().length).toBe(4);
      await b.close();
      await kafka.close();
    }, 40_000);
  }

  test("a new member resumes from the group's committed offsets", async () => {
    const kafka = new KafkaClient({ brokers: bootstrap() });
    const producer = kafka.producer();
    for (let i = 0; i < 10; i++)
      producer.produce({ topic: "resume", partition: 0, value: `r${i}` });
    await producer.flush();
    const first = kafka.consumer({
      groupId: "resumers",
      autoOffsetReset: "earliest",
      sessionTimeoutMs: 6000,
    });
    first.subscribe(["resume"]);
    const got = await drain(first, 10);
    expect(got.length).toBe(10);
    await first.commit([{ topic: "resume", partition: 0, offset: 4 }]);
    expect(await first.committed([{ topic: "resume", partition: 0 }])).toMatchObject([
      { offset: 4 },
    ]);
    await kafka.close();
  }, 30_000);
}

describe.if(mockClusterAvailable())("consumer groups against librdkafka's mock cluster", () => {
  let mock: MockCluster;
  beforeAll(async () => {
    mock = await startMockCluster();
  });
  afterAll(async () => {
    await mock.stop();
  });
  // The mock creates topics (4 partitions) on first use.
  groupTests(
    () => mock.bootstrap,
    async () => {},
  );
});

describe("consumer groups against datacore", () => {
  let broker: RunningBroker;
  beforeAll(async () => {
    broker = await startBroker();
  });
  afterAll(async () => {
    await broker.stop();
  });
  groupTests(
    () => broker.bootstrap,
    async (kafka, topic) => {
      const [r] = await kafka.admin().createTopics([{ name: topic, partitions: 4 }]);
      expect(r?.error).toBeNull();
    },
  );
});
