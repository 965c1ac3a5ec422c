/**
 * CRC-32C kernels. Run: ./node_modules/.bin/bun bench/crc32c.ts [--rounds N]
 *
 * Every variant runs over the same input at each size, round-robin (one timed batch of calls
 * per variant per round, so machine noise hits them alike); figures are medians over rounds of
 * process CPU time (not wall time: on a shared 2-core machine, time spent descheduled is
 * noise, not cost). The input starts at offset 21 of its buffer, like the CRC of a RecordBatch
 * (which covers bytes 21..end), so word reads start unaligned. Ratios are against the JS
 * slicing-by-8 kernel (the implementation before WebAssembly). Results go into
 * docs/benchmarks.md, "CRC-32C".
 */
import { crc32c } from "../protocol/records/crc32c.ts";
import { CRC32C_TABLE, crc32cTableKernel } from "../protocol/records/crc32c-table.ts";
import { type Crc32cKernel, crc32cWasmKernel } from "../protocol/records/crc32c-wasm.ts";
import {
  assembleCrc32cWasm,
  CRC32C_WASM_LAYOUT,
  type Crc32cWasmLayout,
  windowOffset,
} from "../protocol/records/crc32c-wasm-source.ts";

const roundsFlag = process.argv.indexOf("--rounds");
const ROUNDS = roundsFlag >= 0 ? Number(process.argv[roundsFlag + 1]) : 15;
const START = 21;
const SIZES = [61, 100, 128, 160, 192, 256, 512, 1024, 2048, 16 * 1024, 1024 * 1024];

const T = CRC32C_TABLE;

/** Word reads: a Uint32-aligned Int32Array view over the body (little-endian hosts only). */
function jsWords(slices: 8 | 16): Crc32cKernel {
  return (c, buf, start, end) => {
    let i = start;
    const lead = Math.min(end, i + (-(buf.byteOffset + i) & 3));
    while (i < lead) c = T[(c ^ buf[i++]!) & 0xff]! ^ (c >>> 8);
    const steps = Math.floor((end - i) / slices);
    if (steps > 0) {
      const w = new Int32Array(buf.buffer, buf.byteOffset + i, (steps * slices) / 4);
      if (slices === 8) {
        for (let j = 0; j < w.length; j += 2) {
          const a = c ^ w[j]!;
          const b = w[j + 1]!;
          c =
            T[1792 + (a & 0xff)]! ^
            T[1536 + ((a >>> 8) & 0xff)]! ^
            T[1280 + ((a >>> 16) & 0xff)]! ^
            T[1024 + (a >>> 24)]! ^
            T[768 + (b & 0xff)]! ^
            T[512 + ((b >>> 8) & 0xff)]! ^
            T[256 + ((b >>> 16) & 0xff)]! ^
            T[b >>> 24]!;
        }
      } else {
        for (let j = 0; j < w.length; j += 4) {
          const a = c ^ w[j]!;
          const b = w[j + 1]!;
          const d = w[j + 2]!;
          const e = w[j + 3]!;
          c =
            T[3840 + (a & 0xff)]! ^
            T[3584 + ((a >>> 8) & 0xff)]! ^
            T[3328 + ((a >>> 16) & 0xff)]! ^
            T[3072 + (a >>> 24)]! ^
            T[2816 + (b & 0xff)]! ^
            T[2560 + ((b >>> 8) & 0xff)]! ^
            T[2304 + ((b >>> 16) & 0xff)]! ^
            T[2048 + (b >>> 24)]! ^
            T[1792 + (d & 0xff)]! ^
            T[1536 + ((d >>> 8) & 0xff)]! ^
            T[1280 + ((d >>> 16) & 0xff)]! ^
            T[1024 + (d >>> 24)]! ^
            T[768 + (e & 0xff)]! ^
            T[512 + ((e >>> 8) & 0xff)]! ^
            T[256 + ((e >>> 16) & 0xff)]! ^
            T[e >>> 24]!;
        }
      }
      i += steps * slices;
    }
    while (i < end) c = T[(c ^ buf[i++]!) & 0xff]! ^ (c >>> 8);
    return c;
  };
}

/** Another layout of the wasm kernel, assembled here, with the same copy-in as the shipped one. */
function wasmVariant(change: Partial<Crc32cWasmLayout>): Crc32cKernel {
  const layout = { ...CRC32C_WASM_LAYOUT, ...change };
  const instance = new WebAssembly.Instance(new WebAssembly.Module(assembleCrc32cWasm(layout)));
  const memory = instance.exports.memory as WebAssembly.Memory;
  const update = instance.exports.update as (c: number, p: number, n: number) => number;
  new Int32Array(memory.buffer, 0, layout.slices * 256).set(T.subarray(0, layout.slices * 256));
  const mem = new Uint8Array(memory.buffer);
  const W = windowOffset(layout);
  return (c, buf, start, end) => {
    if (buf.length <= layout.windowBytes && buf.length - (end - start) <= 1024) {
      mem.set(buf, W);
      return update(c, W + start, end - start);
    }
    for (let i = start; i < end; i += layout.windowBytes) {
      const n = Math.min(layout.windowBytes, end - i);
      mem.set(buf.subarray(i, i + n), W);
      c = update(c, W, n);
    }
    return c;
  };
}

const wasmKernel = crc32cWasmKernel();
if (wasmKernel === null) throw new Error("WebAssembly kernel unavailable in this runtime");
const kernels: Record<string, Crc32cKernel> = {
  "js slicing-by-8 (before)": crc32cTableKernel,
  "js s8, Int32Array words": jsWords(8),
  "js s16, Int32Array words": jsWords(16),
  "wasm s16 pipelined (used)": wasmKernel,
  "wasm s16 pipelined, shifts": wasmVariant({ independentBytes: "shift" }),
  "wasm s16 pipelined, store8": wasmVariant({ dependentBytes: "store8" }),
  "wasm s16, not pipelined": wasmVariant({ pipelined: false }),
  "wasm s8, shifts": wasmVariant({ slices: 8, pipelined: false, independentBytes: "shift" }),
  "wasm s8 pipelined": wasmVariant({ slices: 8 }),
};

const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

console.log(`CRC-32C, ${ROUNDS} interleaved rounds, medians of CPU time; input at offset ${START}`);
for (const size of SIZES) {
  const buf = new Uint8Array(START + size).map((_, i) => (i * 2654435761) >>> 24);
  const end = buf.length;
  const expected = crc32c(buf, START);
  const copyTarget = new Uint8Array(size);
  const source = buf.subarray(START);
  const fns: Record<string, () => unknown> = {
    "crc32c() (used: dispatch)": () => crc32c(buf, START),
    "memcpy (Uint8Array.set)": () => copyTarget.set(source),
  };
  for (const [name, k] of Object.entries(kernels)) {
    if (~k(-1, buf, START, end) >>> 0 !== expected) throw new Error(`${name} wrong at ${size}`);
    fns[name] = () => k(-1, buf, START, end);
  }
  // ~4 MB of input per timed batch, so a batch takes milliseconds even for short inputs.
  const reps = Math.max(1, Math.round(4e6 / (size + 64)));
  const samples: Record<string, number[]> = {};
  for (const [name, f] of Object.entries(fns)) {
    samples[name] = [];
    for (let i = 0; i < reps; i++) f(); // warm-up: reach the optimizing tiers
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, f] of Object.entries(fns)) {
      const t = cpuSeconds();
      for (let i = 0; i < reps; i++) f();
      samples[name]!.push((cpuSeconds() - t) / reps);
    }
  }
  const base = median(samples["js slicing-by-8 (before)"]!);
  console.log(`\n## ${size} bytes`);
  for (const [name, v] of Object.entries(samples)) {
    const t = median(v);
    console.log(
      `${name.padEnd(28)} ${(size / t / 1e9).toFixed(2).padStart(6)} GB/s ${(t * 1e9).toFixed(0).padStart(9)} ns  ${(base / t).toFixed(2)}×`,
    );
  }
}
