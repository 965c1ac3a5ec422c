/**
 * Table-driven CRC-32 for any reflected polynomial: CRC-32C (crc32c-table.ts) and the IEEE
 * CRC-32 of legacy messages (crc32.ts) differ only in their tables.
 *
 * Slicing-by-N: table k maps a byte to its contribution when k more bytes follow it, so one
 * step folds N input bytes with N independent look-ups and no data-dependent branches.
 */

/** Tables T0..T(slices-1), 256 entries each, T_k at k * 256. */
export function slicingTables(reflectedPoly: number, slices: number): Int32Array {
  const t = new Int32Array(256 * slices);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ reflectedPoly : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!;
    for (let s = 1; s < slices; s++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[s * 256 + n] = c;
    }
  }
  return t;
}

/**
 * Folds `buf[start, end)` into the register `c` (the inverted running CRC) with
 * slicing-by-8 over `T` (at least 8 slices) and returns the new register. No range checks:
 * callers validate.
 */
export function slicingBy8(
  T: Int32Array,
  c: number,
  buf: Uint8Array,
  start: number,
  end: number,
): number {
  let i = start;
  // Uint8Array reads are byte-wise anyway, so the 8-byte body starts at `start`, unaligned.
  const bodyEnd = start + ((end - start) & ~7);
  while (i < bodyEnd) {
    const a = c ^ (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24));
    c =
      T[1792 + (a & 0xff)]! ^
      T[1536 + ((a >>> 8) & 0xff)]! ^
      T[1280 + ((a >>> 16) & 0xff)]! ^
      T[1024 + (a >>> 24)]! ^
      T[768 + buf[i + 4]!]! ^
      T[512 + buf[i + 5]!]! ^
      T[256 + buf[i + 6]!]! ^
      T[buf[i + 7]!]!;
    i += 8;
  }
  while (i < end) c = T[(c ^ buf[i++]!) & 0xff]! ^ (c >>> 8);
  return c;
}
