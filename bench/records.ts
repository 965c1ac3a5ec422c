/**
 * Records, CRC-32C and compression throughput. Run: ./node_modules/.bin/bun bench/records.ts
 *
 * Every figure is the median of several timed rounds after a warm-up, on ~1 MiB of
 * JSON-ish record data; ratios are against a reference measured in the same run
 * (memcpy of the same bytes for CRC; alternative implementations for codecs).
 * Results go into docs/benchmarks.md, "Records, CRC-32C and compression".
 */
import { gunzipSync as zlibGunzip } from "node:zlib";
import { gunzipSync as fflateGunzip } from "fflate";
import lz4js from "lz4js";
import { CompressionCodec, type CompressionCodecId } from "../protocol/compression/codec-id.ts";
import { compress, decompress, setGzipInflater } from "../protocol/compression/index.ts";
import { buildRecordBatch, decodeRecordBatch, openRecordBatch } from "../protocol/records/batch.ts";
import { validateBatch } from "../protocol/records/batch-header.ts";
import { crc32c } from "../protocol/records/crc32c.ts";
import { crc32cTableKernel } from "../protocol/records/crc32c-table.ts";
import type { RecordInput } from "../protocol/records/record.ts";

const MiB = 1024 * 1024;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Median seconds per call of `f`, timing batches of calls that take ≥ 20 ms. */
function time(f: () => unknown, rounds = 9): number {
  f();
  let reps = 1;
  for (;;) {
    const t = performance.now();
    for (let i = 0; i < reps; i++) f();
    if (performance.now() - t >= 20) break;
    reps *= 2;
  }
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    for (let i = 0; i < reps; i++) f();
    samples.push((performance.now() - t) / 1000 / reps);
  }
  return median(samples);
}

const rate = (bytes: number, seconds: number) => bytes / seconds / 1e6;
const fmt = (x: number, digits = 0) => x.toFixed(digits);

// --- Realistic record data: JSON events with repeating field names and values. ---
const enc = new TextEncoder();
const records: RecordInput[] = [];
let size = 0;
for (let i = 0; size < MiB; i++) {
  const value = enc.encode(
    JSON.stringify({
      id: i,
      user: `user-${(i * 7919) % 10007}`,
      event: ["click", "view", "purchase", "signup"][i % 4],
      ts: 1_700_000_000_000 + i * 37,
      price: ((i * 13.37) % 1000).toFixed(2),
      country: ["DE", "US", "FR", "JP", "BR"][i % 5],
      tags: [`t${i % 17}`, `t${i % 23}`],
    }),
  );
  const key = enc.encode(`user-${(i * 7919) % 10007}`);
  records.push({
    key,
    value,
    headers: [{ key: "source", value: enc.encode("web") }],
    timestamp: 1_700_000_000_000 + i,
  });
  size += key.length + value.length + 20;
}
const text = buildRecordBatch({ records }).subarray(61); // the uncompressed records section
console.log(`data: ${records.length} records, records section ${fmt(text.length / MiB, 2)} MiB`);

// --- CRC-32C vs memcpy (kernel variants and sizes: bench/crc32c.ts). ---
const copyTarget = new Uint8Array(text.length);
/** Interleaves the variants round by round so machine noise hits them alike. */
function interleaved(
  fns: Record<string, () => unknown>,
  rounds = 15,
  reps = 20,
): Record<string, number> {
  const samples: Record<string, number[]> = {};
  for (const k of Object.keys(fns)) {
    samples[k] = [];
    fns[k]!();
  }
  for (let r = 0; r < rounds; r++) {
    for (const [k, f] of Object.entries(fns)) {
      const t = performance.now();
      for (let i = 0; i < reps; i++) f();
      samples[k]!.push((performance.now() - t) / 1000 / reps);
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
}
const crcTimes = interleaved({
  copy: () => copyTarget.set(text),
  used: () => crc32c(text),
  js: () => crc32cTableKernel(-1, text, 0, text.length),
});
const { copy: tCopy, used: tCrc, js: tCrcJs } = crcTimes as Record<string, number>;
console.log("\n## CRC-32C over the 1 MiB records section (interleaved medians)");
console.log(`memcpy (Uint8Array.set)       ${fmt(rate(text.length, tCopy!) / 1000, 2)} GB/s`);
console.log(
  `crc32c (used: wasm kernel)    ${fmt(rate(text.length, tCrc!) / 1000, 2)} GB/s  = ${fmt((tCopy! / tCrc!) * 100, 1)}% of memcpy speed`,
);
console.log(
  `JS slicing-by-8 kernel        ${fmt(rate(text.length, tCrcJs!) / 1000, 2)} GB/s  (used is ${fmt(tCrcJs! / tCrc!, 2)}× faster)`,
);

// --- Codecs. ---
console.log("\n## Codecs on the 1 MiB records section (MB/s of uncompressed data)");
console.log("codec   ratio  compress  decompress");
const codecs: [string, CompressionCodecId][] = [
  ["gzip", CompressionCodec.gzip],
  ["snappy", CompressionCodec.snappy],
  ["lz4", CompressionCodec.lz4],
  ["zstd", CompressionCodec.zstd],
];
const compressed = new Map<CompressionCodecId, Uint8Array>();
for (const [name, codec] of codecs) {
  const c = compress(codec, text);
  compressed.set(codec, c);
  const tc = time(() => compress(codec, text), 5);
  const td = time(() => decompress(codec, c, { maxOutputBytes: 1 << 30 }), 7);
  console.log(
    `${name.padEnd(7)} ${fmt(text.length / c.length, 2).padStart(5)}  ${fmt(rate(text.length, tc)).padStart(8)}  ${fmt(rate(text.length, td)).padStart(10)}`,
  );
}

console.log("\n## Alternatives measured for the choices in protocol/compression");
const gz = compressed.get(CompressionCodec.gzip)!;
const tGzNative = time(() => Bun.gunzipSync(gz as Uint8Array<ArrayBuffer>), 7);
const tGzFflate = time(() => fflateGunzip(gz), 5);
const tGzCapped = time(
  () => decompress(CompressionCodec.gzip, gz, { maxOutputBytes: 64 * MiB }),
  5,
);
// What a runtime gets by installing node:zlib (bounded by maxOutputLength) as inflater.
setGzipInflater((src, max) => zlibGunzip(src, { maxOutputLength: max }));
const tGzZlib = time(() => decompress(CompressionCodec.gzip, gz, { maxOutputBytes: 64 * MiB }), 5);
setGzipInflater(null);
console.log(
  `gzip decompress: Bun native (unbounded) ${fmt(rate(text.length, tGzNative))} MB/s, fflate ${fmt(rate(text.length, tGzFflate))} MB/s (${fmt(tGzFflate / tGzNative, 1)}× slower)`,
);
console.log(
  `gzip decompress with a 64 MiB cap: default (fflate streaming) ${fmt(rate(text.length, tGzCapped))} MB/s, node:zlib inflater installed ${fmt(rate(text.length, tGzZlib))} MB/s`,
);
const tGz1 = time(() => Bun.gzipSync(text as Uint8Array<ArrayBuffer>, { level: 1 }), 5);
console.log(
  `gzip compress level 1: ${fmt(rate(text.length, tGz1))} MB/s, ratio ${fmt(text.length / Bun.gzipSync(text as Uint8Array<ArrayBuffer>, { level: 1 }).length, 2)}`,
);
const lz = compressed.get(CompressionCodec.lz4)!;
const lzjs = lz4js.compress(text);
const tLzOurC = time(() => compress(CompressionCodec.lz4, text), 5);
const tLzJsC = time(() => lz4js.compress(text), 5);
const tLzOurD = time(() => decompress(CompressionCodec.lz4, lz), 7);
const tLzJsD = time(() => lz4js.decompress(lzjs), 7);
console.log(
  `lz4 compress: ours ${fmt(rate(text.length, tLzOurC))} MB/s vs lz4js ${fmt(rate(text.length, tLzJsC))} MB/s; decompress: ours ${fmt(rate(text.length, tLzOurD))} MB/s vs lz4js ${fmt(rate(text.length, tLzJsD))} MB/s`,
);

// --- Whole batches. ---
console.log("\n## 1 MiB batch (records section ~1 MiB before compression)");
console.log("codec   build MB/s  validate MB/s  decode MB/s  cursor MB/s");
for (const [name, codec] of [
  ["none", CompressionCodec.none] as [string, CompressionCodecId],
  ...codecs,
]) {
  const batch = buildRecordBatch({ compression: codec, records });
  const tb = time(() => buildRecordBatch({ compression: codec, records }), 5);
  const tv = time(() => validateBatch(batch, 0), 7);
  const td = time(() => decodeRecordBatch(batch), 7);
  const tcur = time(() => {
    const { cursor } = openRecordBatch(batch);
    let n = 0;
    while (cursor.next()) n += cursor.valueLength;
    return n;
  }, 7);
  const r = (t: number) => fmt(rate(text.length, t)).padStart(11);
  console.log(
    `${name.padEnd(7)} ${r(tb)}  ${fmt(rate(batch.length, tv)).padStart(13)}  ${r(td)}  ${r(tcur)}`,
  );
}
