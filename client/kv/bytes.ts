/** Key helpers: keys are bytes, ordered as unsigned bytes (UTF-8 strings sort by code point). */

export type KeyLike = string | Uint8Array;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function toBytes(v: KeyLike): Uint8Array {
  return typeof v === "string" ? encoder.encode(v) : v;
}

export function utf8(b: Uint8Array): string {
  return decoder.decode(b);
}

/** Unsigned lexicographic order; a proper prefix sorts first. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/**
 * The smallest key greater than every key that starts with `prefix`, or null when there
 * is none (an empty prefix or one made only of 0xff bytes): the exclusive end of a prefix scan.
 */
export function prefixEnd(prefix: Uint8Array): Uint8Array | null {
  for (let i = prefix.length - 1; i >= 0; i--) {
    if (prefix[i] !== 0xff) {
      const end = prefix.slice(0, i + 1);
      end[i] = end[i]! + 1;
      return end;
    }
  }
  return null;
}
