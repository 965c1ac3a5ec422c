import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { buildRecordBatch, decodeRecordBatch } from "../../../../protocol/records/batch.ts";
import {
  BATCH_OFFSETS,
  RECORD_BATCH_HEADER_SIZE,
  RecordBatchHeader,
  scanBatches,
  setBaseOffset,
  TimestampType,
  validateBatch,
} from "../../../../protocol/records/batch-header.ts";
import { RecordsError } from "../../../../protocol/records/errors.ts";
import { batchOptionsArb } from "./arbitraries.ts";

const enc = new TextEncoder();
const small = (n: number, baseOffset = 0) =>
  buildRecordBatch({
    baseOffset,
    records: Array.from({ length: n }, (_, i) => ({
      value: enc.encode(`v${i}`),
      timestamp: 1000 + i,
    })),
  });

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let d = 0;
  for (const p of parts) {
    out.set(p, d);
    d += p.length;
  }
  return out;
}

describe("broker-side rewrites keep batches valid", () => {
  test("assigning a base offset and leader epoch changes no CRC and shifts every record", () => {
    fc.assert(
      fc.property(
        batchOptionsArb,
        fc.integer({ min: 0, max: 2 ** 52 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (options, newBase, epoch) => {
          const built = buildRecordBatch(options);
          const view = new RecordBatchHeader(built, 0);
          const crcBefore = view.crc;
          view.setBaseOffset(newBase);
          view.setPartitionLeaderEpoch(epoch);
          expect(view.crc).toBe(crcBefore);
          expect(validateBatch(built, 0).ok).toBe(true);
          const { header, records } = decodeRecordBatch(built);
          expect(header.baseOffset).toBe(newBase);
          expect(header.partitionLeaderEpoch).toBe(epoch);
          expect(records.map((r) => r.offset)).toEqual(records.map((_, i) => newBase + i));
        },
      ),
      { numRuns: 60 },
    );
  });

  test("LogAppendTime stamping rewrites attributes and max timestamp with a fresh CRC", () => {
    const built = small(3);
    const view = new RecordBatchHeader(built, 0);
    view.setLogAppendTime(1_800_000_000_000);
    expect(validateBatch(built, 0).ok).toBe(true);
    expect(view.timestampType).toBe(TimestampType.logAppendTime);
    expect(view.maxTimestamp).toBe(1_800_000_000_000);
    const { records } = decodeRecordBatch(built);
    expect(records.map((r) => r.timestamp)).toEqual([
      1_800_000_000_000, 1_800_000_000_000, 1_800_000_000_000,
    ]);
    view.setMaxTimestamp(TimestampType.createTime, 1002);
    expect(validateBatch(built, 0).ok).toBe(true);
    expect(decodeRecordBatch(built).records.map((r) => r.timestamp)).toEqual([1000, 1001, 1002]);
  });

  test("rewrites work on a batch in the middle of a larger buffer", () => {
    const blob = concat(small(2), small(5, 2), small(1, 7));
    const spans = scanBatches(blob).batches;
    setBaseOffset(blob, spans[1]!.offset, 1234);
    expect(new RecordBatchHeader(blob, spans[1]!.offset).lastOffset).toBe(1238);
    expect(spans.every((s) => validateBatch(blob, s.offset).ok)).toBe(true);
  });

  test("offsets beyond 2^53 are refused instead of silently rounded", () => {
    const built = small(1);
    expect(() => new RecordBatchHeader(built, 0).setBaseOffset(2 ** 53)).toThrow(RecordsError);
    new DataView(built.buffer).setBigInt64(0, 2n ** 60n);
    expect(() => new RecordBatchHeader(built, 0).baseOffset).toThrow(RecordsError);
    expect(validateBatch(built, 0)).toMatchObject({ ok: false, reason: "unsafe_int64" });
  });
});

describe("validateBatch says why a batch is bad", () => {
  const cases: [string, (b: Uint8Array, v: DataView) => Uint8Array, string][] = [
    ["cut short", (b) => b.subarray(0, b.length - 1), "truncated"],
    ["fewer than 12 bytes", (b) => b.subarray(0, 10), "truncated"],
    [
      "length below a header",
      (b, v) => {
        v.setInt32(8, 10);
        return b;
      },
      "bad_length",
    ],
    [
      "magic 1",
      (b, v) => {
        v.setInt8(16, 1);
        return b;
      },
      "bad_magic",
    ],
    [
      "flipped payload bit",
      (b) => {
        b[b.length - 1]! ^= 1;
        return b;
      },
      "corrupt_crc",
    ],
  ];
  for (const [name, corrupt, reason] of cases) {
    test(name, () => {
      const built = small(3);
      const result = validateBatch(corrupt(built, new DataView(built.buffer)), 0);
      expect(result).toMatchObject({ ok: false, reason });
    });
  }

  test("an unknown codec id (with a valid CRC) is unsupported_codec", () => {
    const built = small(1);
    const v = new DataView(built.buffer);
    v.setInt16(21, 6);
    v.setUint32(17, new RecordBatchHeader(built, 0).computeCrc());
    expect(validateBatch(built, 0)).toMatchObject({ ok: false, reason: "unsupported_codec" });
  });

  test("a batch above the size limit", () => {
    expect(validateBatch(small(3), 0, { maxBatchBytes: 70 })).toMatchObject({
      ok: false,
      reason: "bad_length",
    });
  });

  test("header fields read without decoding records", () => {
    const built = buildRecordBatch({
      baseOffset: 42,
      producerId: 9_000_000_000,
      producerEpoch: 2,
      baseSequence: 2 ** 31 - 2,
      transactional: true,
      records: Array.from({ length: 4 }, (_, i) => ({ value: null, timestamp: 5 + i })),
    });
    const h = new RecordBatchHeader(built, 0);
    expect(h.sizeInBytes).toBe(built.length);
    expect(h.recordCount).toBe(4);
    expect(h.lastOffsetDelta).toBe(3);
    expect(h.producerId).toBe(9_000_000_000);
    expect(h.isTransactional).toBe(true);
    expect(h.isControl).toBe(false);
    expect(h.magic).toBe(2);
    // Sequences wrap to 0 past int32 max, as in Kafka.
    expect(h.lastSequence).toBe(1);
    expect(built.length).toBeGreaterThan(RECORD_BATCH_HEADER_SIZE);
    expect(BATCH_OFFSETS.recordsCount).toBe(57);
  });
});

describe("splitting a records blob into batches", () => {
  test("whole batches are listed and a truncated tail is reported, not rejected", () => {
    const a = small(2);
    const b = small(3, 2);
    const blob = concat(a, b);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: blob.length }), (cut) => {
        const scan = scanBatches(blob.subarray(0, cut));
        const whole = cut >= a.length + b.length ? 2 : cut >= a.length ? 1 : 0;
        expect(scan.batches.length).toBe(whole);
        const consumed = scan.batches.reduce((s, x) => s + x.size, 0);
        expect(scan.partial).toEqual(
          consumed === cut ? null : { offset: consumed, size: cut - consumed },
        );
        expect(scan.batches.every((s) => s.magic === 2)).toBe(true);
      }),
    );
  });

  test("a length no entry can have is an error, since nothing after it can be found", () => {
    const blob = small(1);
    new DataView(blob.buffer).setInt32(8, -5);
    expect(() => scanBatches(blob)).toThrow(RecordsError);
  });
});
