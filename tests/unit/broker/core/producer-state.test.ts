import { describe, expect, test } from "bun:test";
import {
  decodeProducerSnapshot,
  encodeProducerSnapshot,
  ProducerStateTable,
} from "../../../../broker/core/producer-state.ts";

describe("producer state", () => {
  test("a producer never seen may start anywhere; a new epoch must start at 0", () => {
    const t = new ProducerStateTable();
    expect(t.check({ producerId: 7, epoch: 0, firstSeq: 42, count: 1 }).kind).toBe("append");
    t.record({ producerId: 7, epoch: 0, firstSeq: 42, count: 1 }, 0, 0);
    expect(t.check({ producerId: 7, epoch: 1, firstSeq: 3, count: 1 })).toEqual({
      kind: "out_of_order",
      expected: 0,
    });
    expect(t.check({ producerId: 7, epoch: 1, firstSeq: 0, count: 1 }).kind).toBe("append");
  });

  test("sequences wrap from Int32.MAX to 0", () => {
    const t = new ProducerStateTable();
    t.record({ producerId: 1, epoch: 0, firstSeq: 2 ** 31 - 2, count: 2 }, 0, 0);
    expect(t.check({ producerId: 1, epoch: 0, firstSeq: 0, count: 3 }).kind).toBe("append");
  });

  test("a snapshot restores every producer's epoch and recent batches", () => {
    const t = new ProducerStateTable();
    for (let i = 0; i < 7; i++)
      t.record({ producerId: 5, epoch: 2, firstSeq: i * 3, count: 3 }, 100 + i * 3, 1000 + i);
    t.record({ producerId: 9, epoch: 0, firstSeq: 0, count: 1 }, 200, 2000);
    const restored = new ProducerStateTable();
    restored.restore(decodeProducerSnapshot(encodeProducerSnapshot(t))!);
    expect(restored.check({ producerId: 5, epoch: 2, firstSeq: 18, count: 3 })).toEqual({
      kind: "duplicate",
      firstOffset: 118,
      lastOffset: 120,
    });
    expect(restored.check({ producerId: 5, epoch: 1, firstSeq: 21, count: 1 }).kind).toBe(
      "invalid_epoch",
    );
    expect(restored.get(9)?.batches.length).toBe(1);
    expect(decodeProducerSnapshot(new Uint8Array([99, 0, 0, 0, 0]))).toBeNull();
  });
});

describe("producer state: transactions", () => {
  test("the LSO is the first offset of the oldest open transaction; a marker closes it only once released", () => {
    const t = new ProducerStateTable();
    t.record({ producerId: 1, epoch: 0, firstSeq: 0, count: 2 }, 10, 0, true);
    t.record({ producerId: 2, epoch: 0, firstSeq: 0, count: 1 }, 12, 0, true);
    t.record({ producerId: 1, epoch: 0, firstSeq: 2, count: 1 }, 13, 0, true);
    expect(t.firstUnstableOffset()).toBe(10);
    const closing = t.closeTxn(1, 0, 14, 0)!;
    expect(closing.firstOffset).toBe(10);
    // Appended but not durable yet: still holds the LSO, but a snapshot leaves it out.
    expect(t.firstUnstableOffset()).toBe(10);
    const restored = new ProducerStateTable();
    restored.restore(decodeProducerSnapshot(encodeProducerSnapshot(t))!);
    expect(restored.firstUnstableOffset()).toBe(12);
    t.releaseTxn(closing);
    expect(t.firstUnstableOffset()).toBe(12);
    // A marker with a bumped epoch (fencing) moves the producer's epoch.
    t.releaseTxn(t.closeTxn(2, 1, 15, 0)!);
    expect(t.firstUnstableOffset()).toBeNull();
    expect(t.check({ producerId: 2, epoch: 0, firstSeq: 1, count: 1 }).kind).toBe("invalid_epoch");
    expect(t.closeTxn(2, 1, 16, 0)).toBeNull(); // a retried marker closes nothing
  });
});
