import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { readVarlong, sizeOfVarlong, writeVarlong } from "../../../../protocol/codec/varint.ts";
import { RecordsError } from "../../../../protocol/records/errors.ts";
import {
  readVarlongNumber,
  sizeOfVarlongNumber,
  writeVarlongNumber,
} from "../../../../protocol/records/varlong.ts";

describe("varlongs as numbers (record timestamp deltas)", () => {
  test("match the bigint codec byte for byte over ±2^52", () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 52) + 1, max: 2 ** 52 - 1 }), (v) => {
        const a = new Uint8Array(10);
        const b = new Uint8Array(10);
        const endA = writeVarlongNumber(a, 0, v);
        const endB = writeVarlong(b, 0, BigInt(v));
        expect(a.subarray(0, endA)).toEqual(b.subarray(0, endB));
        expect(sizeOfVarlongNumber(v)).toBe(endA);
        expect(sizeOfVarlong(BigInt(v))).toBe(endA);
        const r = readVarlongNumber(a, 0, endA);
        expect(r.value).toBe(v);
        expect(r.next).toBe(endA);
      }),
      { numRuns: 2000 },
    );
  });

  test("bigint-encoded values beyond the safe range are typed errors", () => {
    const buf = new Uint8Array(10);
    const end = writeVarlong(buf, 0, 2n ** 60n);
    expect(() => readVarlongNumber(buf, 0, end)).toThrow(RecordsError);
    expect(readVarlong(buf, 0).value).toBe(2n ** 60n);
  });

  test("a varlong running past the record end is a typed error", () => {
    expect(() => readVarlongNumber(new Uint8Array([0x80, 0x80, 0x01]), 0, 2)).toThrow(RecordsError);
    expect(() => readVarlongNumber(new Uint8Array(11).fill(0x80), 0, 11)).toThrow(RecordsError);
  });
});
