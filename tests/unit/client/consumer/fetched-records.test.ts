import { describe, expect, test } from "bun:test";
import { parseFetchedRecords } from "../../../../client/consumer/fetched-records.ts";
import { buildRecordBatch } from "../../../../protocol/records/batch.ts";
import { setBaseOffset } from "../../../../protocol/records/batch-header.ts";
import { buildControlBatch } from "../../../../protocol/records/control.ts";

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
});
