import { describe, expect, test } from "bun:test";
import { BatchBuilder } from "../../../../client/producer/batch-builder.ts";
import { compressorFor } from "../../../../client/producer/compression.ts";
import { buildRecordBatch, decodeRecordBatch } from "../../../../protocol/records/batch.ts";
import { validateBatch } from "../../../../protocol/records/batch-header.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));
const plain = { producerId: -1, producerEpoch: -1, baseSequence: -1, transactional: false };

describe("BatchBuilder writes Kafka record batch v2", () => {
  test("keys, values, nulls, headers and timestamps read back through the protocol decoder", () => {
    const b = new BatchBuilder(64, 0);
    b.append(1_700_000_000_000, "k1", "v1");
    b.append(1_700_000_000_005, null, enc("bytes"), [
      { key: "h", value: "x" },
      { key: "n", value: null },
    ]);
    b.append(1_699_999_999_000, enc("k3"), null);
    const batch = b.finish(plain);
    expect(validateBatch(batch, 0).ok).toBe(true);
    const { header, records } = decodeRecordBatch(batch);
    expect(header.recordCount).toBe(3);
    expect(header.baseTimestamp).toBe(1_700_000_000_000);
    expect(header.maxTimestamp).toBe(1_700_000_000_005);
    expect(records.map((r) => [r.offset, r.timestamp, dec(r.key), dec(r.value)])).toEqual([
      [0, 1_700_000_000_000, "k1", "v1"],
      [1, 1_700_000_000_005, null, "bytes"],
      [2, 1_699_999_999_000, "k3", null],
    ]);
    expect(records[1]!.headers.map((h) => [h.key, dec(h.value)])).toEqual([
      ["h", "x"],
      ["n", null],
    ]);
  });

  test("is byte-identical to protocol/records' reference builder", () => {
    const b = new BatchBuilder(16, 0);
    const recs = Array.from({ length: 20 }, (_, i) => ({
      key: enc(`key-${i}`),
      value: enc("é".repeat(i)),
      timestamp: 1000 + i,
    }));
    for (const r of recs) b.append(r.timestamp, r.key, r.value);
    const ours = b.finish({
      producerId: 7,
      producerEpoch: 1,
      baseSequence: 42,
      transactional: false,
    });
    const reference = buildRecordBatch({
      records: recs,
      producerId: 7,
      producerEpoch: 1,
      baseSequence: 42,
    });
    expect(ours).toEqual(reference);
  });

  test("common and unusual records alike (sizes across varint widths, nulls, time jumps, headers) match the reference builder", () => {
    // The builder has a short path for the common record (no headers, small deltas and
    // lengths) and the general one; both must write exactly what the reference writes.
    const b = new BatchBuilder(16, 0);
    const recs = Array.from({ length: 300 }, (_, i) => {
      const timestamp =
        1_000_000 + (i % 50 === 49 ? -5 : i < 100 ? i % 7 : i < 200 ? 30 * i : 1000 * i);
      const key = i % 3 === 0 ? null : enc("k".repeat(i % 90));
      const value = i % 11 === 0 ? null : enc(String.fromCharCode(65 + (i % 26)).repeat(i % 170));
      const headers = i % 13 === 0 ? [{ key: "h", value: enc(`${i}`) }] : undefined;
      return { key, value, timestamp, ...(headers ? { headers } : {}) };
    });
    for (const r of recs) {
      // Strings take the same paths as bytes: give some values as strings.
      const value = r.value && recs.indexOf(r) % 2 === 0 ? dec(r.value) : r.value;
      b.append(r.timestamp, r.key, value, r.headers);
    }
    const ours = b.finish({
      producerId: 3,
      producerEpoch: 0,
      baseSequence: 0,
      transactional: false,
    });
    const reference = buildRecordBatch({
      records: recs,
      producerId: 3,
      producerEpoch: 0,
      baseSequence: 0,
    });
    expect(ours).toEqual(reference);
  });

  test("three-byte varints (offset deltas past 8191, values and time deltas of 8 KiB–1 MiB) match the reference builder", () => {
    // A full 1 MiB batch of 100-byte records has ~9,400 records: deltas past the two-byte
    // varint range still take the short path, with three-byte varints.
    const b = new BatchBuilder(16, 0);
    const big = new Uint8Array(70_000).fill(7);
    const recs = Array.from({ length: 10_000 }, (_, i) => ({
      key: i % 5000 === 17 ? big.subarray(0, 8192 + i) : null,
      value: i === 9_999 ? big : i % 4000 === 3 ? big.subarray(0, 8191 + (i % 3)) : enc(`v${i}`),
      timestamp: 1_000_000 + (i < 9000 ? 0 : i * 97),
    }));
    for (const r of recs) b.append(r.timestamp, r.key, r.value);
    const opts = { producerId: 3, producerEpoch: 0, baseSequence: 0 };
    const ours = b.finish({ ...opts, transactional: false });
    expect(ours).toEqual(buildRecordBatch({ records: recs, ...opts }));
  });

  test("multi-byte strings are sized in UTF-8 bytes, not UTF-16 units", () => {
    const b = new BatchBuilder(16, 0);
    b.append(0, "ключ", "値🙂");
    const { records } = decodeRecordBatch(b.finish(plain));
    expect(dec(records[0]!.key)).toBe("ключ");
    expect(dec(records[0]!.value)).toBe("値🙂");
  });

  for (const codec of ["gzip", "snappy", "lz4", "zstd"] as const) {
    test(`${codec}-compressed batches decode to the same records`, () => {
      const b = new BatchBuilder(1024, 0);
      for (let i = 0; i < 500; i++) b.append(5000, null, `value number ${i}`);
      const compression = compressorFor(codec)!;
      const batch = b.finish({ ...plain, compression });
      const { header, records } = decodeRecordBatch(batch);
      expect(header.compression).toBe(compression.codec);
      expect(records.length).toBe(500);
      expect(dec(records[499]!.value)).toBe("value number 499");
      expect(batch.length).toBeLessThan(b.sizeInBytes);
    });
  }
});
