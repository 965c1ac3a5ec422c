import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { buildRecordBatch } from "../../../../protocol/records/batch.ts";
import { RECORD_BATCH_HEADER_SIZE } from "../../../../protocol/records/batch-header.ts";
import {
  decodeHeaders,
  RecordColumns,
  RecordCursor,
  type RecordInput,
  scanRecords,
} from "../../../../protocol/records/record.ts";
import { recordArb } from "./arbitraries.ts";

/** The uncompressed records section of a batch built from `records`. */
function sectionOf(records: RecordInput[]): Uint8Array {
  return buildRecordBatch({ records }).subarray(RECORD_BATCH_HEADER_SIZE);
}

/** What RecordCursor reads from `section`: every record's fields, or the error it throws. */
function viaCursor(section: Uint8Array, count: number): unknown {
  const cursor = new RecordCursor(section, { count, baseOffset: 0, baseTimestamp: 0 });
  const rows: unknown[] = [];
  try {
    while (cursor.next()) {
      rows.push({
        offsetDelta: cursor.offsetDelta,
        timestampDelta: cursor.timestampDelta,
        key: cursor.key,
        value: cursor.value,
        headers: cursor.headers(),
      });
    }
  } catch (err) {
    return { error: String(err), reason: (err as { reason?: string }).reason };
  }
  return rows;
}

/** The same through scanRecords and decodeHeaders. */
function viaScan(section: Uint8Array, count: number, columns = new RecordColumns()): unknown {
  try {
    scanRecords(section, count, columns);
  } catch (err) {
    return { error: String(err), reason: (err as { reason?: string }).reason };
  }
  const rows: unknown[] = [];
  for (let i = 0; i < columns.count; i++) {
    const kl = columns.keyLength[i]!;
    const vl = columns.valueLength[i]!;
    rows.push({
      offsetDelta: columns.offsetDelta[i],
      timestampDelta: columns.timestampDelta[i],
      key: kl < 0 ? null : section.subarray(columns.keyOffset[i]!, columns.keyOffset[i]! + kl),
      value:
        vl < 0 ? null : section.subarray(columns.valueOffset[i]!, columns.valueOffset[i]! + vl),
      headers: decodeHeaders(section, columns.headersOffset[i]!, columns.headerCount[i]!),
    });
  }
  return rows;
}

describe("scanning a records section into columns", () => {
  test("reads the same fields as the cursor: keys, null keys and values, headers, deltas", () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    const records: RecordInput[] = [
      { key: enc("k"), value: enc("v"), timestamp: 1000 },
      { key: null, value: null, timestamp: 999, headers: [{ key: "h", value: null }] },
      { value: new Uint8Array(300), timestamp: 1000 + 2 ** 40, offsetDelta: 5000 },
      {
        key: new Uint8Array(0),
        value: enc("x"),
        timestamp: 1,
        offsetDelta: 70_000,
        headers: [
          { key: "ä-ü", value: enc("1") },
          { key: "", value: new Uint8Array(200) },
        ],
      },
    ];
    const section = sectionOf(records);
    const scanned = viaScan(section, records.length) as { headers: unknown[] }[];
    expect(scanned).toEqual(viaCursor(section, records.length) as never);
    expect(scanned.map((r) => r.headers.length)).toEqual([0, 1, 0, 2]);
  });

  test("any records read the same both ways, with columns reused across batches", () => {
    const columns = new RecordColumns();
    fc.assert(
      fc.property(fc.array(recordArb, { minLength: 1, maxLength: 40 }), (records) => {
        const section = sectionOf(records);
        expect(viaScan(section, records.length, columns)).toEqual(
          viaCursor(section, records.length) as never,
        );
      }),
      { numRuns: 300 },
    );
  });

  test("damaged sections fail the same way (reason and message of the first bad record)", () => {
    fc.assert(
      fc.property(
        fc.array(recordArb, { minLength: 1, maxLength: 8 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.integer({ min: -2, max: 2 }),
        fc.nat(),
        (records, edits, countDelta, cut) => {
          const section = sectionOf(records).slice();
          for (const [at, byte] of edits) section[at % section.length] = byte;
          const damaged = cut % 3 === 0 ? section.subarray(0, cut % section.length) : section;
          const count = Math.max(0, records.length + countDelta);
          expect(viaScan(damaged, count)).toEqual(viaCursor(damaged, count) as never);
        },
      ),
      { numRuns: 2000 },
    );
  });

  test("a huge record count in a small section fails without allocating for it", () => {
    const section = sectionOf([{ value: new Uint8Array(1), timestamp: 0 }]);
    const columns = new RecordColumns();
    expect(() => scanRecords(section, 2 ** 31 - 1, columns)).toThrow("record 1 of");
    expect(columns.offsetDelta.length).toBeLessThan(1000);
  });
});
