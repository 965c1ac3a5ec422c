/**
 * Standalone variable-length integer helpers over a Uint8Array at an offset.
 *
 * Kafka uses protobuf-style base-128 varints: unsigned ones for compact lengths and tag
 * numbers (KIP-482), zigzag-encoded signed ones inside record batches v2 (varint = int32,
 * varlong = int64). These functions allocate nothing on the hot path; readers return the
 * value and the offset just past it via a reused result object, so callers must copy the
 * fields out before the next call.
 *
 * Every reader throws ProtocolError("truncated") when the buffer ends mid-value and
 * ProtocolError("invalid_value") when a value is longer than its type allows.
 */
import { ProtocolError } from "./errors.ts";

/** Result of a 32-bit read: `value` and `next` (offset after the varint). Reused between calls. */
export interface VarintResult {
  value: number;
  next: number;
}

/** Result of a 64-bit read. Reused between calls. */
export interface VarlongResult {
  value: bigint;
  next: number;
}

const intResult: VarintResult = { value: 0, next: 0 };
const longResult: VarlongResult = { value: 0n, next: 0 };

/** Reads an unsigned 32-bit varint (at most 5 bytes). The returned object is shared; copy it. */
export function readUnsignedVarint(buf: Uint8Array, offset: number): VarintResult {
  let value = 0;
  let shift = 0;
  let i = offset;
  for (;;) {
    if (i >= buf.length) throw new ProtocolError("truncated", "varint runs past end of buffer");
    const b = buf[i++]!;
    if (shift === 28) {
      // 5th byte: only the low 4 bits fit in 32 bits and the continuation bit must be clear.
      if (b > 0x0f) throw new ProtocolError("invalid_value", "unsigned varint exceeds 32 bits");
      value = (value | (b << 28)) >>> 0;
      break;
    }
    value |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) break;
    shift += 7;
  }
  intResult.value = value >>> 0;
  intResult.next = i;
  return intResult;
}

/** Reads a zigzag-encoded signed 32-bit varint (record batch v2 `varint`). Shared result object. */
export function readVarint(buf: Uint8Array, offset: number): VarintResult {
  const r = readUnsignedVarint(buf, offset);
  const u = r.value;
  r.value = (u >>> 1) ^ -(u & 1);
  return r;
}

/** Reads an unsigned 64-bit varint (at most 10 bytes) as a bigint. Shared result object. */
export function readUnsignedVarlong(buf: Uint8Array, offset: number): VarlongResult {
  // Accumulate the low 28 bits as a number (fast path for small values), then switch to bigint.
  let low = 0;
  let i = offset;
  for (let shift = 0; shift < 28; shift += 7) {
    if (i >= buf.length) throw new ProtocolError("truncated", "varlong runs past end of buffer");
    const b = buf[i++]!;
    low |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) {
      longResult.value = BigInt(low);
      longResult.next = i;
      return longResult;
    }
  }
  let value = BigInt(low);
  for (let shift = 28n; ; shift += 7n) {
    if (i >= buf.length) throw new ProtocolError("truncated", "varlong runs past end of buffer");
    const b = buf[i++]!;
    if (shift === 63n) {
      if (b > 1) throw new ProtocolError("invalid_value", "unsigned varlong exceeds 64 bits");
      value |= BigInt(b) << 63n;
      break;
    }
    value |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) break;
  }
  longResult.value = value;
  longResult.next = i;
  return longResult;
}

/** Reads a zigzag-encoded signed 64-bit varint (record batch v2 `varlong`). Shared result object. */
export function readVarlong(buf: Uint8Array, offset: number): VarlongResult {
  const r = readUnsignedVarlong(buf, offset);
  const u = r.value;
  r.value = (u >> 1n) ^ -(u & 1n);
  return r;
}

/** Number of bytes `writeUnsignedVarint` will use for `value` (treated as uint32). */
export function sizeOfUnsignedVarint(value: number): number {
  const v = value >>> 0;
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  return 5;
}

/** Number of bytes `writeVarint` will use for the signed int32 `value`. */
export function sizeOfVarint(value: number): number {
  return sizeOfUnsignedVarint((value << 1) ^ (value >> 31));
}

/** Number of bytes `writeVarlong` will use for the signed int64 `value`. */
export function sizeOfVarlong(value: bigint): number {
  let u = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
  let n = 1;
  while (u >= 0x80n) {
    u >>= 7n;
    n++;
  }
  return n;
}

/**
 * Writes `value` as an unsigned 32-bit varint at `offset`; returns the offset after it.
 * The caller guarantees room (at most 5 bytes).
 */
export function writeUnsignedVarint(buf: Uint8Array, offset: number, value: number): number {
  let v = value >>> 0;
  let i = offset;
  while (v >= 0x80) {
    buf[i++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[i++] = v;
  return i;
}

/** Writes a zigzag-encoded signed int32 varint at `offset`; returns the offset after it (≤ 5 bytes). */
export function writeVarint(buf: Uint8Array, offset: number, value: number): number {
  return writeUnsignedVarint(buf, offset, (value << 1) ^ (value >> 31));
}

/** Writes an unsigned 64-bit varint at `offset`; returns the offset after it (≤ 10 bytes). */
export function writeUnsignedVarlong(buf: Uint8Array, offset: number, value: bigint): number {
  let u = BigInt.asUintN(64, value);
  let i = offset;
  if (u < 0x80000000n) return writeUnsignedVarint(buf, offset, Number(u));
  while (u >= 0x80n) {
    buf[i++] = Number(u & 0x7fn) | 0x80;
    u >>= 7n;
  }
  buf[i++] = Number(u);
  return i;
}

/** Writes a zigzag-encoded signed int64 varint at `offset`; returns the offset after it (≤ 10 bytes). */
export function writeVarlong(buf: Uint8Array, offset: number, value: bigint): number {
  return writeUnsignedVarlong(buf, offset, (value << 1n) ^ (value >> 63n));
}
