/**
 * Big-endian int64 fields read and written as JavaScript numbers.
 *
 * Offsets, timestamps and producer ids are int64 on the wire but never exceed 2^53 in
 * practice (an offset of 2^53 would take 285 years at a million records a second), so we
 * keep them as `number` and reject anything outside the safe-integer range with a typed
 * error instead of silently losing precision. Reading two int32 halves avoids the BigInt
 * allocation of DataView.getBigInt64.
 */
import { RecordsError } from "./errors.ts";

const TWO_32 = 0x1_0000_0000;

/** Reads a big-endian int64 at `offset` as a safe integer; throws RecordsError("unsafe_int64"). */
export function readInt64(view: DataView, offset: number, what: string): number {
  const value = view.getInt32(offset) * TWO_32 + view.getUint32(offset + 4);
  if (!Number.isSafeInteger(value)) {
    throw new RecordsError("unsafe_int64", `${what} does not fit in a safe integer`);
  }
  return value;
}

/** Writes the safe integer `value` as a big-endian int64 at `offset`. */
export function writeInt64(view: DataView, offset: number, value: number, what: string): void {
  if (!Number.isSafeInteger(value)) {
    throw new RecordsError("unsafe_int64", `${what} ${value} is not a safe integer`);
  }
  const hi = Math.floor(value / TWO_32);
  view.setInt32(offset, hi);
  view.setUint32(offset + 4, value - hi * TWO_32);
}

/** DataView over exactly the bytes of `buf` (which may itself be a view into a larger buffer). */
export function viewOf(buf: Uint8Array): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}
