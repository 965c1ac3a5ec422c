import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
  type AbortedTransaction,
  appendFetchedRecords,
  type ConsumerRecord,
} from "../../../../client/consumer/fetched-records.ts";
import { buildRecordBatch, decodeRecordBatch } from "../../../../protocol/records/batch.ts";
import { setBaseOffset } from "../../../../protocol/records/batch-header.ts";
import { buildControlBatch } from "../../../../protocol/records/control.ts";
import { batchOptionsArb } from "../../protocol/records/arbitraries.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));

function batch(
  baseOffset: number,
  values: string[],
  extra: Record<string, unknown> = {},
): Uint8Array {
  const b = buildRecordBatch({
    records: values.map((v) => ({ value: enc(v), timestamp: 1 })),
    ...extra,
  });
  setBaseOffset(b, 0, baseOffset);
  return b;
}

/** appendFetchedRecords into a fresh array, with the offset it returns. */
function parseFetchedRecords(
  topic: string,
  partition: number,
  data: Uint8Array | null,
  fetchOffset: number,
  aborted: readonly AbortedTransaction[] | null,
): { records: ConsumerRecord[]; nextOffset: number } {
  const records: ConsumerRecord[] = [];
  const nextOffset = appendFetchedRecords(records, topic, partition, data, fetchOffset, aborted);
  return { records, nextOffset };
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

describe("records from a fetch response", () => {
  test("records before the fetch offset (inside a batch) are skipped", () => {
    const data = concat(batch(0, ["a", "b", "c"]), batch(3, ["d"]));
    const { records, nextOffset } = parseFetchedRecords("t", 0, data, 1, null);
    expect(records.map((r) => [r.offset, dec(r.value)])).toEqual([
      [1, "b"],
      [2, "c"],
      [3, "d"],
    ]);
    expect(nextOffset).toBe(4);
  });

  test("a batch cut short by the size limit is left for the next fetch", () => {
    const whole = batch(0, ["a"]);
    const cut = batch(1, ["b", "c"]).subarray(0, 30);
    const { records, nextOffset } = parseFetchedRecords("t", 0, concat(whole, cut), 0, null);
    expect(records.length).toBe(1);
    expect(nextOffset).toBe(1);
  });

  test("control batches are not returned but advance the position", () => {
    const control = buildControlBatch({
      type: 1,
      producerId: 5,
      producerEpoch: 0,
      coordinatorEpoch: 0,
      timestamp: 1,
    });
    setBaseOffset(control, 0, 2);
    const data = concat(
      batch(0, ["a", "b"], {
        producerId: 5,
        producerEpoch: 0,
        baseSequence: 0,
        transactional: true,
      }),
      control,
    );
    const { records, nextOffset } = parseFetchedRecords("t", 0, data, 0, null);
    expect(records.map((r) => dec(r.value))).toEqual(["a", "b"]);
    expect(nextOffset).toBe(3);
  });

  test("read_committed drops batches of aborted transactions", () => {
    const aborted = batch(0, ["gone"], {
      producerId: 9,
      producerEpoch: 0,
      baseSequence: 0,
      transactional: true,
    });
    const marker = buildControlBatch({
      type: 0,
      producerId: 9,
      producerEpoch: 0,
      coordinatorEpoch: 0,
      timestamp: 1,
    });
    setBaseOffset(marker, 0, 1);
    const kept = batch(2, ["kept"]);
    const data = concat(aborted, marker, kept);
    const { records } = parseFetchedRecords("t", 0, data, 0, [{ producerId: 9, firstOffset: 0 }]);
    expect(records.map((r) => dec(r.value))).toEqual(["kept"]);
    const all = parseFetchedRecords("t", 0, data, 0, null);
    expect(all.records.map((r) => dec(r.value))).toEqual(["gone", "kept"]);
  });

  test("an empty or null records field yields nothing and keeps the position", () => {
    expect(parseFetchedRecords("t", 0, null, 7, null)).toEqual({ records: [], nextOffset: 7 });
    expect(parseFetchedRecords("t", 0, new Uint8Array(0), 7, null)).toEqual({
      records: [],
      nextOffset: 7,
    });
  });

  test("keys, null keys and values, headers and compressed batches decode as the batch decoder does", () => {
    // The reference: protocol/records' own whole-batch decoder (RecordCursor underneath).
    fc.assert(
      fc.property(
        fc.array(batchOptionsArb, { minLength: 1, maxLength: 3 }),
        fc.nat(),
        (opts, skip) => {
          let base = 0;
          const batches = opts.map((o) => {
            const b = buildRecordBatch({ ...o, transactional: false, baseOffset: base });
            base += o.records.length;
            return b;
          });
          const data = concat(...batches);
          const fetchOffset = skip % (base + 1);
          const expected = batches.flatMap((b) =>
            decodeRecordBatch(b)
              .records.filter((r) => r.offset >= fetchOffset)
              .map((r) => ({ topic: "t", partition: 3, ...r })),
          );
          const { records, nextOffset } = parseFetchedRecords("t", 3, data, fetchOffset, null);
          expect(records).toEqual(expected);
          expect(nextOffset).toBe(base);
        },
      ),
      { numRuns: 150 },
    );
  });

  test("LogAppendTime batches stamp every record with the batch's time", () => {
    const b = buildRecordBatch({
      timestampType: 1,
      records: [
        { value: enc("a"), timestamp: 5 },
        { value: enc("b"), timestamp: 9 },
      ],
    });
    const { records } = parseFetchedRecords("t", 0, b, 0, null);
    expect(records.map((r) => r.timestamp)).toEqual([9, 9]);
  });

  test("every record gets its own headers list, which the application may extend", () => {
    const b = buildRecordBatch({
      records: [
        { value: enc("a"), timestamp: 1 },
        { value: enc("b"), timestamp: 1 },
        { value: enc("c"), timestamp: 1, headers: [{ key: "h", value: enc("1") }] },
      ],
    });
    const [a, bb, c] = parseFetchedRecords("t", 0, b, 0, null).records;
    expect(a!.headers).toEqual([]);
    a!.headers.push({ key: "x", value: null });
    expect(bb!.headers).toEqual([]);
    expect(c!.headers.map((h) => [h.key, dec(h.value)])).toEqual([["h", "1"]]);
    c!.headers.push({ key: "mine", value: null });
    expect(c!.headers.length).toBe(2);
  });

  test("values are views into the fetched bytes, not copies", () => {
    const data = batch(0, ["abc"]);
    const [r] = parseFetchedRecords("t", 0, data, 0, null).records;
    expect(r!.value!.buffer).toBe(data.buffer);
  });

  test("a batch whose CRC does not match throws instead of yielding records", () => {
    const good = batch(0, ["a", "b"]);
    const bad = batch(2, ["c"]);
    bad[bad.length - 1]! ^= 0xff;
    expect(() => parseFetchedRecords("t", 0, concat(good, bad), 0, null)).toThrow("crc");
    const out: ConsumerRecord[] = [];
    expect(appendFetchedRecords(out, "t", 0, good, 1, null)).toBe(2);
    expect(out.map((r) => r.offset)).toEqual([1]);
  });
});
