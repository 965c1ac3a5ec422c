/**
 * Zigzag varlongs (record timestamp deltas) as JavaScript numbers.
 *
 * protocol/codec/varint.ts reads varlongs as bigint, which allocates per value; a
 * record's timestampDelta is read once per record on the decode path, so this variant
 * keeps the value a number and rejects anything beyond the safe-integer range with a
 * typed error. Int32 varints come from protocol/codec/varint.ts unchanged.
 */
import { RecordsError } from "./errors.ts";

const TWO_31 = 0x8000_0000;

/** Shared result of readVarlongNumber; copy the fields before the next call. */
export interface VarlongNumberResult {
  value: number;
  next: number;
}

const result: VarlongNumberResult = { value: 0, next: 0 };

/**
 * Reads a zigzag varlong at `offset`, not reading at or past `end`. Values whose
 * zigzag form exceeds 2^53 throw RecordsError("unsafe_int64").
 */
export function readVarlongNumber(
  buf: Uint8Array,
  offset: number,
  end: number,
): VarlongNumberResult {
  let i = offset;
  // Fast path: up to 4 bytes (28 bits) with integer ops.
  let low = 0;
  for (let shift = 0; shift < 28; shift += 7) {
    if (i >= end) throw new RecordsError("bad_record", "varlong runs past the record");
    const b = buf[i++]!;
    low |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) {
      result.value = (low >>> 1) ^ -(low & 1);
      result.next = i;
      return result;
    }
  }
  let u = low;
  let scale = 0x1000_0000;
  for (;;) {
    if (i >= end) throw new RecordsError("bad_record", "varlong runs past the record");
    if (i - offset >= 10) throw new RecordsError("bad_record", "varlong longer than 10 bytes");
    const b = buf[i++]!;
    u += (b & 0x7f) * scale;
    if (u > Number.MAX_SAFE_INTEGER) {
      throw new RecordsError("unsafe_int64", "varlong outside the safe integer range");
    }
    if ((b & 0x80) === 0) break;
    scale *= 128;
  }
  // Zigzag decode without 32-bit ops: even → u/2, odd → -(u+1)/2.
  result.value = u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  result.next = i;
  return result;
}

function zigzag(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

/** Bytes writeVarlongNumber uses for `value` (|value| < 2^52). */
export function sizeOfVarlongNumber(value: number): number {
  if (value >= -0x4000_0000 && value < 0x4000_0000) {
    const u = (value << 1) ^ (value >> 31);
    const v = u >>> 0;
    if (v < 0x80) return 1;
    if (v < 0x4000) return 2;
    if (v < 0x200000) return 3;
    if (v < 0x10000000) return 4;
    return 5;
  }
  let u = zigzag(value);
  let n = 1;
  while (u >= 128) {
    u = Math.floor(u / 128);
    n++;
  }
  return n;
}

/** Writes `value` (a safe integer with |value| < 2^52) as a zigzag varlong; returns the end. */
export function writeVarlongNumber(buf: Uint8Array, offset: number, value: number): number {
  if (!Number.isSafeInteger(value) || value >= 2 ** 52 || value <= -(2 ** 52)) {
    throw new RecordsError("unsafe_int64", `varlong ${value} outside ±2^52`);
  }
  let i = offset;
  if (value >= -TWO_31 / 2 && value < TWO_31 / 2) {
    let v = ((value << 1) ^ (value >> 31)) >>> 0;
    while (v >= 0x80) {
      buf[i++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[i++] = v;
    return i;
  }
  let u = zigzag(value);
  while (u >= 128) {
    buf[i++] = (u % 128) | 0x80;
    u = Math.floor(u / 128);
  }
  buf[i++] = u;
  return i;
}
