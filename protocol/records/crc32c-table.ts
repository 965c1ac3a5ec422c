/**
 * CRC-32C tables and the pure-JS kernel (crc-slicing.ts). The JS kernel uses slicing-by-8
 * (T0..T7) and reads bytes one by one; the WebAssembly kernel (crc32c-wasm.ts) copies all 16
 * tables into its memory. Measured against word reads and slicing-by-16 in bench/crc32c.ts.
 */
import { slicingBy8, slicingTables } from "./crc-slicing.ts";

/** Reflected Castagnoli polynomial. */
export const CRC32C_POLY = 0x82f63b78;

/** Tables T0..T15, 256 entries each, T_k at k * 256. */
export const CRC32C_TABLE: Int32Array = slicingTables(CRC32C_POLY, 16);

/**
 * Folds `buf[start, end)` into the register `c` (the inverted running CRC) and returns the new
 * register. No range checks: callers validate. Cheapest for short inputs: no allocation.
 */
export function crc32cTableKernel(c: number, buf: Uint8Array, start: number, end: number): number {
  return slicingBy8(CRC32C_TABLE, c, buf, start, end);
}
