/**
 * Kafka Uuid ⇄ string, in the form of Java's `Uuid.toString()`: the 16 bytes in
 * URL-safe base64 without padding (22 characters). The all-zero uuid is "AAAAAAAAAAAAAAAAAAAAAA".
 */
import { ProtocolError } from "./errors.ts";

export const ZERO_UUID = "AAAAAAAAAAAAAAAAAAAAAA";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const VALUES = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) {
  VALUES[ALPHABET.charCodeAt(i)] = i;
}
// Two base64 characters per 12 bits: a uuid is 11 table lookups and no intermediate arrays.
const PAIRS: string[] = [];
for (let i = 0; i < 4096; i++) PAIRS.push(ALPHABET[i >>> 6]! + ALPHABET[i & 63]!);

/** Formats the 16 bytes at `offset` (the caller checked they exist). */
export function uuidToString(buf: Uint8Array, offset: number): string {
  let s = "";
  // 5 groups of 3 bytes → 10 pairs (120 bits), then the last byte padded with 4 zero bits.
  for (let i = offset; i < offset + 15; i += 3) {
    const n = (buf[i]! << 16) | (buf[i + 1]! << 8) | buf[i + 2]!;
    s += PAIRS[n >>> 12]! + PAIRS[n & 0xfff]!;
  }
  return s + PAIRS[buf[offset + 15]! << 4]!;
}

function valueAt(s: string, i: number): number {
  const code = s.charCodeAt(i);
  const v = code < 128 ? VALUES[code]! : -1;
  if (v < 0) throw new ProtocolError("invalid_value", `invalid uuid string ${JSON.stringify(s)}`);
  return v;
}

/** Parses a 22-character uuid string into `buf` at `offset` (the caller made room for 16 bytes). */
export function uuidFromString(s: string, buf: Uint8Array, offset: number): void {
  if (s.length !== 22) {
    throw new ProtocolError("invalid_value", `invalid uuid string ${JSON.stringify(s)}`);
  }
  let o = offset;
  for (let i = 0; i < 20; i += 4) {
    const n =
      (valueAt(s, i) << 18) |
      (valueAt(s, i + 1) << 12) |
      (valueAt(s, i + 2) << 6) |
      valueAt(s, i + 3);
    buf[o++] = n >>> 16;
    buf[o++] = (n >>> 8) & 255;
    buf[o++] = n & 255;
  }
  const hi = valueAt(s, 20);
  const lo = valueAt(s, 21);
  // The last character carries 2 bits; non-zero padding bits would not round-trip.
  if ((lo & 15) !== 0) throw new ProtocolError("invalid_value", `non-canonical uuid ${s}`);
  buf[o] = (hi << 2) | (lo >>> 4);
}
