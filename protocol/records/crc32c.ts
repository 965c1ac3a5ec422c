/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of RecordBatch v2.
 *
 * Two kernels, chosen by length (figures in docs/benchmarks.md, "CRC-32C"; bench/crc32c.ts):
 * - short ranges: JS slicing-by-8 (crc32c-table.ts), no allocation and no call into wasm;
 * - from CRC32C_WASM_MIN_BYTES: WebAssembly slicing-by-16 (crc32c-wasm.ts), ~1.7× faster per
 *   byte, once the copy into wasm memory and the call are paid for.
 * Where WebAssembly is unavailable the JS kernel serves every length.
 */
import { crc32cTableKernel } from "./crc32c-table.ts";
import { CRC32C_WASM_MIN_BYTES, type Crc32cKernel, crc32cWasmKernel } from "./crc32c-wasm.ts";

/** The wasm kernel once asked for (null: unavailable); undefined until the first long range. */
let wasm: Crc32cKernel | null | undefined;

/**
 * Continues a CRC-32C over `buf[start, end)` from a previous result `crc` (0 to start).
 * Returns the unsigned 32-bit checksum.
 */
export function crc32cUpdate(crc: number, buf: Uint8Array, start = 0, end = buf.length): number {
  if (start < 0 || end > buf.length || start > end) {
    throw new RangeError(`crc32c range [${start}, ${end}) outside buffer of ${buf.length}`);
  }
  if (end - start >= CRC32C_WASM_MIN_BYTES) {
    if (wasm === undefined) wasm = crc32cWasmKernel();
    if (wasm !== null) return ~wasm(~crc, buf, start, end) >>> 0;
  }
  return ~crc32cTableKernel(~crc, buf, start, end) >>> 0;
}

/** CRC-32C of `buf[start, end)` as an unsigned 32-bit number. */
export function crc32c(buf: Uint8Array, start = 0, end = buf.length): number {
  return crc32cUpdate(0, buf, start, end);
}
