import { describe, expect, test } from "bun:test";
import { KafkaError } from "../../../../client/errors.ts";
import { partitionForKey } from "../../../../client/producer/partitioner.ts";
import { Producer } from "../../../../client/producer/producer.ts";
import { FakeCluster } from "./fake-cluster.ts";

const enc = (s: string) => new TextEncoder().encode(s);

describe("producer batching", () => {
  test("records produced together leave in one batch per partition, in order", async () => {
    const fake = new FakeCluster({ t: 1 });
    const producer = new Producer(fake.asCluster(), { lingerMs: 50, idempotent: false, acks: 1 });
    for (let i = 0; i < 100; i++) producer.produce({ topic: "t", value: `v${i}` });
    await producer.flush();
    expect(fake.batches.length).toBe(1);
    expect(fake.batches[0]!.values).toEqual(Array.from({ length: 100 }, (_, i) => `v${i}`));
  });

  test("a batch closes when it reaches batchBytes; no batch exceeds it", async () => {
    const fake = new FakeCluster({ t: 1 });
    const producer = new Producer(fake.asCluster(), {
      batchBytes: 4096,
      lingerMs: 1000,
      idempotent: false,
      acks: 1,
    });
    const value = "x".repeat(100);
    for (let i = 0; i < 200; i++) producer.produce({ topic: "t", value });
    await producer.flush();
    const sizes = fake.batches.map((b) => b.bytes);
    expect(fake.batches.length).toBeGreaterThan(4);
    for (const s of sizes) expect(s).toBeLessThanOrEqual(4096 + 200);
    expect(fake.batches.flatMap((b) => b.values).length).toBe(200);
  });

  test("linger sends a lone record without an explicit flush", async () => {
    const fake = new FakeCluster({ t: 1 });
    const producer = new Producer(fake.asCluster(), { lingerMs: 5, idempotent: false, acks: 1 });
    const meta = await producer.send({ topic: "t", value: "alone", timestamp: 1234 });
    expect(meta).toEqual({ topic: "t", partition: 0, offset: 0, timestamp: 1234 });
    expect(fake.batches.length).toBe(1);
  });

  test("keyed records land on the Java client's partition; delivery reports offsets", async () => {
    const fake = new FakeCluster({ t: 6 });
    const producer = new Producer(fake.asCluster(), { lingerMs: 1, idempotent: false, acks: 1 });
    const metas = await Promise.all(
      ["a", "b", "c", "a"].map((key) => producer.send({ topic: "t", key, value: key })),
    );
    for (const [i, key] of ["a", "b", "c", "a"].entries())
      expect(metas[i]!.partition).toBe(partitionForKey(enc(key), 6));
    // Offsets within a partition follow produce order.
    const before = metas.slice(0, 3).filter((m) => m.partition === metas[3]!.partition).length;
    expect(metas[3]!.offset).toBe(before);
  });

  test("keyless records stick to one partition within a batch", async () => {
    const fake = new FakeCluster({ t: 8 });
    const producer = new Producer(fake.asCluster(), { lingerMs: 1000, idempotent: false, acks: 1 });
    for (let i = 0; i < 50; i++) producer.produce({ topic: "t", value: `v${i}` });
    await producer.flush();
    expect(fake.batches.length).toBe(1);
  });

  test("an explicit partition outside the topic fails that record only", async () => {
    const fake = new FakeCluster({ t: 2 });
    const producer = new Producer(fake.asCluster(), { lingerMs: 1, idempotent: false, acks: 1 });
    const bad = producer.send({ topic: "t", value: "x", partition: 7 });
    expect(bad).rejects.toBeInstanceOf(KafkaError);
    await expect(producer.send({ topic: "t", value: "y", partition: 1 })).resolves.toMatchObject({
      partition: 1,
    });
  });
});

describe("idempotent producer", () => {
  test("batches carry the producer id and consecutive sequences per partition", async () => {
    const fake = new FakeCluster({ t: 1 });
    const producer = new Producer(fake.asCluster(), { batchBytes: 2048, lingerMs: 1000 });
    for (let i = 0; i < 100; i++) producer.produce({ topic: "t", value: "y".repeat(50) });
    await producer.flush();
    let expected = 0;
    for (const b of fake.batches) {
      expect(b.producerId).toBe(4242);
      expect(b.baseSequence).toBe(expected);
      expected += b.values.length;
    }
    expect(expected).toBe(100);
  });

  test("a retriable error resends the same batch with the same sequence, then succeeds", async () => {
    const fake = new FakeCluster({ t: 1 });
    fake.failNext.set("t/0", { code: 6, times: 2 }); // NOT_LEADER_OR_FOLLOWER twice
    const producer = new Producer(fake.asCluster(), { lingerMs: 1 });
    const meta = await producer.send({ topic: "t", value: "once" });
    expect(meta.offset).toBe(0);
    expect(fake.batches.map((b) => b.baseSequence)).toEqual([0, 0, 0]);
    expect(fake.nextOffset.get("t/0")).toBe(1);
  });

  test("a non-retriable error fails the records with the Kafka error name", async () => {
    const fake = new FakeCluster({ t: 1 });
    fake.failNext.set("t/0", { code: 10, times: 1 }); // MESSAGE_TOO_LARGE
    const producer = new Producer(fake.asCluster(), { lingerMs: 1 });
    const err = await producer.send({ topic: "t", value: "big" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KafkaError);
    expect((err as KafkaError).errorName).toBe("MESSAGE_TOO_LARGE");
  });

  test("acks other than all is refused for an idempotent producer", () => {
    const fake = new FakeCluster({ t: 1 });
    expect(() => new Producer(fake.asCluster(), { acks: 1, idempotent: true })).toThrow("acks=all");
  });
});
