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

/**
 * An independent reading of the v2 record format (KIP-98), written plainly from the spec
 * with its own varint code: each record is a varint length, then attributes, varlong
 * timestamp delta, varint offset delta, key, value (varint length, -1 = null) and
 * headers (varint count; non-null key, nullable value), ending exactly at its length, and
 * the records fill the section exactly. Returns what scanRecords should see, or "bad".
 */
function referenceRead(section: Uint8Array, count: number): unknown {
  const varint = (p: number, end: number, maxBytes: number): [bigint, number] => {
    let u = 0n;
    for (let i = 0; i < maxBytes; i++) {
      if (p + i >= end) throw new Error("past end");
      const b = section[p + i]!;
      u |= BigInt(b & 0x7f) << BigInt(7 * i);
      if (b < 0x80) return [(u >> 1n) ^ -(u & 1n), p + i + 1];
    }
    throw new Error("too long");
  };
  const int = (p: number, end: number): [number, number] => {
    const [v, next] = varint(p, end, 5);
    if (v < -(2n ** 31n) || v >= 2n ** 31n) throw new Error("not an int32");
    return [Number(v), next];
  };
  const bytes = (p: number, end: number, nullable: boolean): [number, number, number] => {
    const [len, next] = int(p, end);
    if (len < (nullable ? -1 : 0) || next + Math.max(len, 0) > end) throw new Error("length");
    return [len, next, next + Math.max(len, 0)];
  };
  const rows: unknown[] = [];
  let p = 0;
  try {
    for (let index = 0; index < count; index++) {
      const [length, start] = int(p, section.length);
      const end = start + length;
      if (length < 0 || end > section.length) return "bad";
      const [timestampDelta, a] = varint(start + 1, end, 10);
      // Deltas are JavaScript numbers: the zigzag form must fit in 2^53 (±2^52 signed).
      if (timestampDelta < -(2n ** 52n) || timestampDelta >= 2n ** 52n) return "bad";
      const [offsetDelta, b] = int(a, end);
      const [keyLength, keyOffset, c] = bytes(b, end, true);
      const [valueLength, valueOffset, d] = bytes(c, end, true);
      const [headerCount, e] = int(d, end);
      if (headerCount < 0) return "bad";
      let q = e;
      for (let h = 0; h < headerCount; h++) q = bytes(bytes(q, end, false)[2], end, true)[2];
      if (q !== end) return "bad";
      rows.push({
        timestampDelta: Number(timestampDelta),
        offsetDelta,
        keyOffset,
        keyLength,
        valueOffset,
        valueLength,
        headerCount,
      });
      p = end;
    }
  } catch {
    return "bad";
  }
  return p === section.length ? rows : "bad";
}

/**
 * scanRecords' columns as referenceRead's rows, or "bad" when it threw RecordsError: a
 * damaged record, or a timestamp delta a JavaScript number cannot hold. Which of the two
 * a section shows first can depend on where the varlong's bytes run out, so both count.
 */
function scannedRows(section: Uint8Array, count: number): unknown {
  const columns = new RecordColumns();
  try {
    scanRecords(section, count, columns);
  } catch (err) {
    expect(["bad_record", "unsafe_int64"]).toContain(String((err as { reason?: string }).reason));
    return "bad";
  }
  return Array.from({ length: columns.count }, (_, i) => ({
    timestampDelta: columns.timestampDelta[i],
    offsetDelta: columns.offsetDelta[i],
    keyOffset: columns.keyOffset[i],
    keyLength: columns.keyLength[i],
    valueOffset: columns.valueOffset[i],
    valueLength: columns.valueLength[i],
    headerCount: columns.headerCount[i],
  }));
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
        expect(scannedRows(section, records.length)).toEqual(
          referenceRead(section, records.length),
        );
      }),
      { numRuns: 300 },
    );
  });

  test("damaged sections fail the same way both ways, and exactly when a plain reading of the format does", () => {
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
          // The shared reader against the spec: accepts and rejects the same sections.
          expect(scannedRows(damaged, count)).toEqual(referenceRead(damaged, count));
        },
      ),
      { numRuns: 2000 },
    );
  });

  test("a timestamp delta past ±2^52 is refused as unsafe_int64 both ways", () => {
    // Found by the property below in CI: one record, attributes 0, then a 9-byte varlong
    // whose zigzag form is 2^61, then the rest of an empty record.
    const fields = [0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20, 0, 1, 1, 0];
    const section = Uint8Array.from([fields.length * 2, ...fields]);
    const cursorSaw = viaCursor(section, 1) as { reason?: string };
    expect(cursorSaw.reason).toBe("unsafe_int64");
    expect(viaScan(section, 1)).toEqual(cursorSaw as never);
    expect(referenceRead(section, 1)).toBe("bad");
    // One step inside the range reads as a number.
    const inRange = [0, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f, 0, 1, 1, 0];
    const ok = Uint8Array.from([inRange.length * 2, ...inRange]);
    expect((viaScan(ok, 1) as { timestampDelta: number }[])[0]!.timestampDelta).toBe(2 ** 52 - 1);
    expect(referenceRead(ok, 1)).not.toBe("bad");
  });

  test("a huge record count in a small section fails without allocating for it", () => {
    const section = sectionOf([{ value: new Uint8Array(1), timestamp: 0 }]);
    const columns = new RecordColumns();
    expect(() => scanRecords(section, 2 ** 31 - 1, columns)).toThrow("record 1 of");
    expect(columns.offsetDelta.length).toBeLessThan(1000);
  });
});
