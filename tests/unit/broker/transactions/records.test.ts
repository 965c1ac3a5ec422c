/**
 * `__transaction_state` records are Kafka's bytes: v0 values round-trip, a Kafka 4 v1
 * (flexible) value with tagged producer ids decodes, and bad bytes are typed errors.
 */
import { describe, expect, test } from "bun:test";
import {
  decodeTxnLogKey,
  decodeTxnLogValue,
  encodeTxnLogKey,
  encodeTxnLogValue,
  TxnStatus,
} from "../../../../broker/transactions/records.ts";
import { ProtocolError } from "../../../../protocol/codec/errors.ts";
import { Writer } from "../../../../protocol/codec/writer.ts";

const VALUE = {
  producerId: 4242,
  previousProducerId: -1,
  nextProducerId: -1,
  producerEpoch: 7,
  transactionTimeoutMs: 60_000,
  status: TxnStatus.Ongoing,
  partitions: [
    { topic: "orders", partitionIds: [0, 2] },
    { topic: "__consumer_offsets", partitionIds: [17] },
  ],
  lastUpdateTimestampMs: 1_700_000_000_123,
  startTimestampMs: 1_700_000_000_000,
};

describe("__transaction_state records", () => {
  test("key v0 is version 0 + int16 string; value v0 round-trips", () => {
    const key = encodeTxnLogKey("my-txn");
    expect([...key]).toEqual([0, 0, 0, 6, ...new TextEncoder().encode("my-txn")]);
    expect(decodeTxnLogKey(key)).toBe("my-txn");
    const bytes = encodeTxnLogValue(VALUE);
    expect(bytes[1]).toBe(0); // version 0
    expect(decodeTxnLogValue(bytes)).toEqual(VALUE);
  });

  test("a v1 (flexible) value with tagged previous/next producer ids decodes", () => {
    const w = new Writer(128);
    w.int16(1);
    w.int64(99n);
    w.int16(3);
    w.int32(10_000);
    w.int8(TxnStatus.PrepareCommit);
    w.arrayLength(true, 1);
    w.compactString("t");
    w.arrayLength(true, 1);
    w.int32(5);
    w.uvarint(0); // no tags on the partition entry
    w.int64(2n);
    w.int64(1n);
    w.uvarint(3); // tagged fields: previous (0), next (1), client version (2)
    w.uvarint(0);
    w.uvarint(8);
    w.int64(98n);
    w.uvarint(1);
    w.uvarint(8);
    w.int64(100n);
    w.uvarint(2);
    w.uvarint(2);
    w.int16(1);
    const v = decodeTxnLogValue(w.finish());
    expect(v).toEqual({
      producerId: 99,
      previousProducerId: 98,
      nextProducerId: 100,
      producerEpoch: 3,
      transactionTimeoutMs: 10_000,
      status: TxnStatus.PrepareCommit,
      partitions: [{ topic: "t", partitionIds: [5] }],
      lastUpdateTimestampMs: 2,
      startTimestampMs: 1,
    });
  });

  test("unknown versions, statuses and truncated values are ProtocolErrors", () => {
    const bytes = encodeTxnLogValue(VALUE);
    expect(() => decodeTxnLogValue(bytes.slice(0, 10))).toThrow(ProtocolError);
    const bad = bytes.slice();
    bad[1] = 9;
    expect(() => decodeTxnLogValue(bad)).toThrow(ProtocolError);
    const status = bytes.slice();
    status[2 + 8 + 2 + 4] = 42;
    expect(() => decodeTxnLogValue(status)).toThrow(ProtocolError);
    expect(() => decodeTxnLogKey(new Uint8Array([0, 1, 0, 0]))).toThrow(ProtocolError);
  });
});
