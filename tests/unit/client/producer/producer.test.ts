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

  test("linger 0 sends at the end of the current turn, in one batch, without a timer", async () => {
    const fake = new FakeCluster({ t: 1 });
    const producer = new Producer(fake.asCluster(), { lingerMs: 0, idempotent: false, acks: 1 });
    for (let i = 0; i < 10; i++) producer.produce({ topic: "t", partition: 0, value: `v${i}` });
    expect(fake.batches.length).toBe(0);
    // Microtasks only: a timer (even a 0 ms one) cannot have fired yet.
    for (let i = 0; i < 5; i++) await Promise.resolve();
    expect(fake.batches.length).toBe(1);
    expect(fake.batches[0]!.values.length).toBe(10);
    await producer.flush();
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

describe("delivery reports, flush and buffers", () => {
  test("callbacks on some records report their own offset and create time", async () => {
    const fake = new FakeCluster({ t: 1 });
    const producer = new Producer(fake.asCluster(), { lingerMs: 1000, idempotent: false, acks: 1 });
    const seen: { i: number; offset: number; timestamp: number }[] = [];
    for (let i = 0; i < 10; i++) {
      const cb =
        i === 2 || i === 7
          ? (err: Error | null, meta: { offset: number; timestamp: number } | null) => {
              expect(err).toBeNull();
              seen.push({ i, offset: meta!.offset, timestamp: meta!.timestamp });
            }
          : undefined;
      producer.produce({ topic: "t", value: `v${i}`, timestamp: 5000 + i }, cb);
    }
    await producer.flush();
    expect(seen).toEqual([
      { i: 2, offset: 2, timestamp: 5002 },
      { i: 7, offset: 7, timestamp: 5007 },
    ]);
  });

  test("a failed batch with records lacking a callback makes flush throw; callbacks get the error", async () => {
    const fake = new FakeCluster({ t: 1 });
    fake.failNext.set("t/0", { code: 10, times: 1 }); // MESSAGE_TOO_LARGE: not retriable
    const producer = new Producer(fake.asCluster(), { lingerMs: 1000, idempotent: false, acks: 1 });
    const errors: (Error | null)[] = [];
    producer.produce({ topic: "t", value: "a" });
    producer.produce({ topic: "t", value: "b" }, (err) => errors.push(err));
    producer.produce({ topic: "t", value: "c" });
    const err = await producer.flush().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KafkaError);
    expect(errors.length).toBe(1);
    expect((errors[0] as KafkaError).errorName).toBe("MESSAGE_TOO_LARGE");
  });

  test("when every record of a failed batch has a callback, flush reports nothing more", async () => {
    const fake = new FakeCluster({ t: 1 });
    fake.failNext.set("t/0", { code: 10, times: 1 });
    const producer = new Producer(fake.asCluster(), { lingerMs: 1000, idempotent: false, acks: 1 });
    let failed = 0;
    for (let i = 0; i < 3; i++)
      producer.produce({ topic: "t", value: `v${i}` }, (err) => {
        if (err) failed++;
      });
    await producer.flush();
    expect(failed).toBe(3);
  });

  test("produce hands back a promise while the buffer is full; every record still arrives in order", async () => {
    const fake = new FakeCluster({ t: 1 });
    const producer = new Producer(fake.asCluster(), {
      batchBytes: 1024,
      bufferBytes: 4096,
      lingerMs: 1000,
      idempotent: false,
      acks: 1,
    });
    let waits = 0;
    for (let i = 0; i < 500; i++) {
      const wait = producer.produce({ topic: "t", value: `record-${i}`.padEnd(100, ".") });
      if (wait) {
        waits++;
        await wait;
      }
    }
    await producer.flush();
    expect(waits).toBeGreaterThan(0);
    const values = fake.batches.flatMap((b) => b.values);
    expect(values).toEqual(Array.from({ length: 500 }, (_, i) => `record-${i}`.padEnd(100, ".")));
  });

  test("batch buffers reused after acknowledgements never change a batch waiting to be retried", async () => {
    const fake = new FakeCluster({ t: 2 });
    fake.failNext.set("t/0", { code: 6, times: 3 }); // NOT_LEADER_OR_FOLLOWER: retried
    const producer = new Producer(fake.asCluster(), { batchBytes: 1024, lingerMs: 1000 });
    const value = (p: number, i: number) => `p${p}-${i}`.padEnd(100, "#");
    for (let i = 0; i < 9; i++) producer.produce({ topic: "t", partition: 0, value: value(0, i) });
    // Partition 1 keeps filling, finishing and reusing batch buffers meanwhile.
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 20; i++)
        producer.produce({ topic: "t", partition: 1, value: value(1, round * 20 + i) });
      await Bun.sleep(0);
    }
    await producer.flush();
    const p0 = fake.batches.filter((b) => b.partition === 0);
    expect(p0.length).toBeGreaterThan(3);
    const attempts = p0.filter((b) => b.baseSequence === 0);
    expect(attempts.length).toBe(4);
    for (const a of attempts) expect(a.values).toEqual(attempts[0]!.values);
    expect(p0.flatMap((b, i) => (i < 3 ? [] : b.values))).toEqual(
      Array.from({ length: 9 }, (_, i) => value(0, i)),
    );
    const p1 = fake.batches.filter((b) => b.partition === 1).flatMap((b) => b.values);
    expect(p1).toEqual(Array.from({ length: 400 }, (_, i) => value(1, i)));
  });

  test("keyless records fill a batch, then move on together (KIP-480): only the last batch is partial", async () => {
    const fake = new FakeCluster({ t: 8 });
    const producer = new Producer(fake.asCluster(), {
      batchBytes: 1024,
      lingerMs: 1000,
      idempotent: false,
      acks: 1,
    });
    for (let i = 0; i < 200; i++) producer.produce({ topic: "t", value: "z".repeat(100) });
    await producer.flush();
    const counts = fake.batches.map((b) => b.values.length);
    const full = Math.max(...counts);
    expect(counts.filter((n) => n < full).length).toBeLessThanOrEqual(1);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(200);
  });
});
