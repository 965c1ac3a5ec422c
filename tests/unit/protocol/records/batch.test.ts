import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { ProtocolError } from "../../../../protocol/codec/errors.ts";
import { CompressionCodec } from "../../../../protocol/compression/codec-id.ts";
import {
  buildRecordBatch,
  decodeRecordBatch,
  iterateRecords,
  openRecordBatch,
} from "../../../../protocol/records/batch.ts";
import { RecordBatchHeader, validateBatch } from "../../../../protocol/records/batch-header.ts";
import { RecordsError } from "../../../../protocol/records/errors.ts";
import { batchOptionsArb, codecArb, recordArb } from "./arbitraries.ts";

const enc = new TextEncoder();

describe("record batch round trips", () => {
  test("random records in every codec come back exactly, header view agreeing", () => {
    fc.assert(
      fc.property(batchOptionsArb, (options) => {
        const built = buildRecordBatch(options);
        const check = validateBatch(built, 0);
        expect(check.ok).toBe(true);
        const { header, records, size } = decodeRecordBatch(built);
        expect(size).toBe(built.length);
        expect(header.baseOffset).toBe(options.baseOffset!);
        expect(header.partitionLeaderEpoch).toBe(options.partitionLeaderEpoch!);
        expect(header.producerId).toBe(options.producerId!);
        expect(header.producerEpoch).toBe(options.producerEpoch!);
        expect(header.baseSequence).toBe(options.baseSequence!);
        expect(header.isTransactional).toBe(options.transactional!);
        expect(header.compression).toBe(options.compression!);
        expect(header.timestampType).toBe(options.timestampType!);
        expect(header.recordCount).toBe(options.records.length);
        expect(header.lastOffset).toBe(options.baseOffset! + options.records.length - 1);
        const timestamps = options.records.map((r) => r.timestamp);
        expect(header.baseTimestamp).toBe(timestamps[0]!);
        expect(header.maxTimestamp).toBe(Math.max(...timestamps));
        records.forEach((r, i) => {
          const src = options.records[i]!;
          expect(r.offset).toBe(options.baseOffset! + i);
          // LogAppendTime batches report the batch's max timestamp for every record.
          expect(r.timestamp).toBe(
            options.timestampType === 1 ? header.maxTimestamp : src.timestamp,
          );
          expect(r.key).toEqual(src.key ?? null);
          expect(r.value).toEqual(src.value);
          expect(r.headers).toEqual([...(src.headers ?? [])]);
        });
      }),
      { numRuns: 150 },
    );
  });

  test("explicit offset deltas with gaps (compacted batches) keep their offsets", () => {
    fc.assert(
      fc.property(
        fc.array(recordArb, { minLength: 1, maxLength: 10 }),
        fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 10, maxLength: 10 }),
        codecArb,
        (records, gaps, compression) => {
          let delta = -1;
          const withDeltas = records.map((r, i) => {
            delta += gaps[i]!;
            return { ...r, offsetDelta: delta };
          });
          const built = buildRecordBatch({ baseOffset: 100, compression, records: withDeltas });
          expect(validateBatch(built, 0).ok).toBe(delta === records.length - 1);
          expect(validateBatch(built, 0, { contiguous: false }).ok).toBe(true);
          const decoded = decodeRecordBatch(built).records.map((r) => r.offset);
          expect(decoded).toEqual(withDeltas.map((r) => 100 + r.offsetDelta));
        },
      ),
      { numRuns: 60 },
    );
  });

  test("an empty batch left by compaction keeps its offset range", () => {
    const built = buildRecordBatch({ baseOffset: 50, lastOffsetDelta: 9, records: [] });
    expect(validateBatch(built, 0).ok).toBe(false);
    const { header, records } = decodeRecordBatch(built);
    expect(records).toEqual([]);
    expect(header.nextOffset).toBe(60);
  });

  test("the cursor walks records in place without materialising them", () => {
    const records = Array.from({ length: 100 }, (_, i) => ({
      key: enc.encode(`k${i}`),
      value: enc.encode(`v${i}`),
      timestamp: 1000 + i,
    }));
    const built = buildRecordBatch({ baseOffset: 7, compression: CompressionCodec.lz4, records });
    const { cursor } = openRecordBatch(built);
    let n = 0;
    let valueBytes = 0;
    while (cursor.next()) {
      expect(cursor.offset).toBe(7 + n);
      valueBytes += cursor.valueLength;
      n++;
    }
    expect(n).toBe(100);
    expect(valueBytes).toBe(records.reduce((s, r) => s + r.value.length, 0));
    expect([...iterateRecords(built)].map((r) => r.timestamp)).toEqual(
      records.map((r) => r.timestamp),
    );
  });

  test("record offset deltas must increase", () => {
    expect(() =>
      buildRecordBatch({
        records: [
          { value: null, timestamp: 0, offsetDelta: 1 },
          { value: null, timestamp: 0, offsetDelta: 1 },
        ],
      }),
    ).toThrow(RecordsError);
  });
});

describe("malformed batches fail with typed errors", () => {
  test("any single corrupted byte is caught (CRC or structure), never a crash", () => {
    fc.assert(
      fc.property(
        batchOptionsArb,
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (options, at, xor) => {
          const built = buildRecordBatch(options);
          const i = at % built.length;
          built[i]! ^= xor;
          try {
            decodeRecordBatch(built, 0, { maxOutputBytes: 1 << 20 });
            // Bytes outside the CRC may change and still decode: base offset, length field
            // only if it still fits, partition leader epoch.
            expect(i < 17).toBe(true);
          } catch (e) {
            expect(e).toBeInstanceOf(ProtocolError);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  test("records that lie about their lengths are rejected even with a valid CRC", () => {
    fc.assert(
      fc.property(
        fc.array(recordArb, { minLength: 1, maxLength: 5 }),
        fc.nat(),
        fc.nat(255),
        (records, at, b) => {
          const built = buildRecordBatch({ records });
          const i = 61 + (at % (built.length - 61));
          built[i] = b;
          // Recompute the CRC so only the record structure is wrong.
          const header = new RecordBatchHeader(built, 0);
          new DataView(built.buffer).setUint32(17, header.computeCrc());
          try {
            decodeRecordBatch(built);
          } catch (e) {
            expect(e).toBeInstanceOf(ProtocolError);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  test("random bytes never escape as anything but ProtocolError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 200 }), (junk) => {
        try {
          decodeRecordBatch(junk);
        } catch (e) {
          expect(e).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 300 },
    );
  });

  test("a batch claiming more records than it holds", () => {
    const built = buildRecordBatch({ records: [{ value: enc.encode("x"), timestamp: 1 }] });
    const view = new DataView(built.buffer);
    view.setInt32(57, 2);
    view.setInt32(23, 1);
    view.setUint32(17, new RecordBatchHeader(built, 0).computeCrc());
    expect(validateBatch(built, 0)).toMatchObject({ ok: false, reason: "bad_length" });
    expect(() => decodeRecordBatch(built)).toThrow(RecordsError);
  });
});
