/**
 * The WebAssembly CRC-32C kernel: slicing-by-16, compiled by the engine's optimizing tier to
 * plain loads and xors without bounds checks (wasm memory accesses are guarded by virtual
 * memory). In JS the same loop pays for typed-array bounds checks; bench/crc32c.ts measures
 * the gap (~1.6–1.8× from 512 bytes up).
 *
 * The module (crc32c-wasm-bytes.ts, generated from crc32c-wasm-source.ts) owns a fixed memory:
 * the 16 tables, then an input window. Input is copied into the window, so this pays a memcpy
 * (~20 GB/s) and a call (~30 ns) on top; crc32c.ts uses it only above a measured size.
 *
 * Instantiated synchronously from embedded bytes: no file is read, nothing is fetched.
 * Where WebAssembly is missing or refuses the module, the kernel is null and callers use JS.
 */

import { CRC32C_TABLE, crc32cTableKernel } from "./crc32c-table.ts";
import {
  CRC32C_WASM_BASE64,
  CRC32C_WASM_SLICES,
  CRC32C_WASM_WINDOW_BYTES,
  CRC32C_WASM_WINDOW_OFFSET,
} from "./crc32c-wasm-bytes.ts";

/**
 * Ranges at least this long go to the wasm kernel. Below, the fixed cost of the copy and the
 * call (~45 + ~30 ns) outweighs the faster loop: interleaved at 100 / 128 / 160 / 192 bytes,
 * wasm ran 0.95× / 0.97× / 1.04× / 1.11× the speed of JS (bench/crc32c.ts, 25 rounds).
 */
export const CRC32C_WASM_MIN_BYTES = 160;

/** Folds `buf[start, end)` into the inverted register `c`; returns the new register. */
export type Crc32cKernel = (c: number, buf: Uint8Array, start: number, end: number) => number;

function decodeBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function instantiate(): Crc32cKernel | null {
  if (typeof WebAssembly !== "object") return null;
  let instance: WebAssembly.Instance;
  try {
    instance = new WebAssembly.Instance(new WebAssembly.Module(decodeBase64(CRC32C_WASM_BASE64)));
  } catch {
    return null;
  }
  const memory = instance.exports.memory as WebAssembly.Memory;
  const update = instance.exports.update as (c: number, p: number, n: number) => number;
  // The memory never grows (its maximum is its minimum), so these views stay valid.
  const mem = new Uint8Array(memory.buffer);
  const view = new DataView(memory.buffer);
  // Wasm memory is little-endian on every host; DataView makes that explicit.
  for (let i = 0; i < CRC32C_WASM_SLICES * 256; i++) view.setInt32(i * 4, CRC32C_TABLE[i]!, true);
  const W = CRC32C_WASM_WINDOW_OFFSET;
  const WINDOW = CRC32C_WASM_WINDOW_BYTES;

  const kernel: Crc32cKernel = (c, buf, start, end) => {
    // A buffer that fits, with few bytes outside the range, is copied whole: memcpy of up to
    // 1 KiB extra costs about what the subarray view a range copy needs does (~50–80 ns). The
    // wasm loads do not need alignment. (A batch in a multi-batch request is a small range of
    // a large buffer: that takes the range copy, never a copy of the whole request.)
    if (buf.length <= WINDOW && buf.length - (end - start) <= 1024) {
      mem.set(buf, W);
      return update(c, W + start, end - start);
    }
    for (let i = start; i < end; i += WINDOW) {
      const n = Math.min(WINDOW, end - i);
      mem.set(buf.subarray(i, i + n), W);
      c = update(c, W, n);
    }
    return c;
  };

  // Refuse an engine that computes something else: compare with the JS kernel once, over
  // 55 bytes = three 16-byte steps, one 4-byte step and three single bytes.
  const probe = Uint8Array.from({ length: 56 }, (_, i) => (i * 151 + 7) & 0xff);
  if (kernel(-1, probe, 1, 56) !== crc32cTableKernel(-1, probe, 1, 56)) return null;
  return kernel;
}

let loaded: Crc32cKernel | null | undefined;

/**
 * The WebAssembly kernel, or null where this runtime cannot run it. Instantiated on first use
 * (~1 ms: compile, tables, self-check), so commands that never checksum do not pay for it.
 */
export function crc32cWasmKernel(): Crc32cKernel | null {
  if (loaded === undefined) loaded = instantiate();
  return loaded;
}
