/**
 * KIP-360 in the producer, against a scripted cluster: when sequences stop matching the
 * broker's, the producer bumps its epoch (InitProducerId naming its id and epoch) and
 * restarts every partition at sequence 0; a batch the broker merely refused frees its
 * sequences without a bump.
 */
import { describe, expect, test } from "bun:test";
import { Producer } from "../../../../client/producer/producer.ts";
import { FakeCluster } from "./fake-cluster.ts";

describe("idempotent producer recovery (KIP-360)", () => {
  test("a batch refused with OUT_OF_ORDER_SEQUENCE_NUMBER is resent at sequence 0 under the next epoch, and later batches follow", async () => {
    const fake = new FakeCluster({ t: 2 });
    const producer = new Producer(fake.asCluster(), { lingerMs: 1 });
    await producer.send({ topic: "t", partition: 0, value: "a" });
    await producer.send({ topic: "t", partition: 1, value: "b" });
    fake.failNext.set("t/0", { code: 45, times: 1 });
    const meta = await producer.send({ topic: "t", partition: 0, value: "c" });
    expect(meta.offset).toBe(1);
    await producer.send({ topic: "t", partition: 0, value: "d" });
    await producer.send({ topic: "t", partition: 1, value: "e" });

    expect(fake.initRequests).toEqual([
      { producerId: -1n, producerEpoch: -1 },
      { producerId: 4242n, producerEpoch: 0 },
    ]);
    const sent = fake.batches.map((b) => [
      b.partition,
      b.values[0],
      b.producerEpoch,
      b.baseSequence,
    ]);
    expect(sent).toEqual([
      [0, "a", 0, 0],
      [1, "b", 0, 0],
      [0, "c", 0, 1], // refused
      [0, "c", 1, 0], // restamped under the bumped epoch
      [0, "d", 1, 1],
      [1, "e", 1, 0], // every partition restarts at 0
    ]);
    expect(producer.producerId).toEqual({ id: 4242, epoch: 1 });
  });

  test("UNKNOWN_PRODUCER_ID (the broker forgot us) is handled the same way", async () => {
    const fake = new FakeCluster({ t: 1 });
    const producer = new Producer(fake.asCluster(), { lingerMs: 1 });
    await producer.send({ topic: "t", value: "a" });
    fake.failNext.set("t/0", { code: 59, times: 1 });
    await producer.send({ topic: "t", value: "b" });
    expect(fake.batches.map((b) => [b.producerEpoch, b.baseSequence])).toEqual([
      [0, 0],
      [0, 1],
      [1, 0],
    ]);
  });

  test("a batch that timed out after being sent leaves its sequence unresolved: the next batch goes out at 0 under a new epoch", async () => {
    const fake = new FakeCluster({ t: 1 });
    const producer = new Producer(fake.asCluster(), { lingerMs: 1, deliveryTimeoutMs: 30 });
    await producer.send({ topic: "t", value: "a" });
    fake.failNext.set("t/0", { code: 7, times: 1_000_000 }); // REQUEST_TIMED_OUT until the deadline
    const err = await producer.send({ topic: "t", value: "lost" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    fake.failNext.delete("t/0");
    await producer.send({ topic: "t", value: "after" });
    const last = fake.batches[fake.batches.length - 1]!;
    expect([last.values[0], last.producerEpoch, last.baseSequence]).toEqual(["after", 1, 0]);
  });

  test("a batch the broker refused outright frees its sequence without an epoch bump", async () => {
    const fake = new FakeCluster({ t: 1 });
    const producer = new Producer(fake.asCluster(), { lingerMs: 1 });
    await producer.send({ topic: "t", value: "a" });
    fake.failNext.set("t/0", { code: 10, times: 1 }); // MESSAGE_TOO_LARGE: not written
    await producer.send({ topic: "t", value: "big" }).catch(() => {});
    await producer.send({ topic: "t", value: "c" });
    expect(fake.batches.map((b) => [b.values[0], b.producerEpoch, b.baseSequence])).toEqual([
      ["a", 0, 0],
      ["big", 0, 1],
      ["c", 0, 1],
    ]);
    expect(fake.initRequests.length).toBe(1);
  });
});
