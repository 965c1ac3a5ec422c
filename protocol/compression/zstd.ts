/**
 * Zstandard for Kafka codec 4 (KIP-110), using Bun's built-in libzstd.
 *
 * Bun.zstdDecompressSync has no output cap, and zstd can expand far beyond deflate's
 * 1032:1 (an RLE block of 3 header bytes yields 128 KiB). So before calling it we walk
 * the frame and block headers (RFC 8878 §3.1), which is cheap and needs no entropy
 * decoding, and add up a sound upper bound: raw and RLE blocks state their output size,
 * compressed blocks produce at most 128 KiB each. If the bound or a declared content
 * size exceeds the cap we refuse before any allocation.
 */
import { RecordsError } from "../records/errors.ts";

const MAGIC = 0xfd2fb528;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const BLOCK_MAX = 128 * 1024;

function bad(message: string, cause?: unknown): RecordsError {
  return new RecordsError("bad_compressed_data", `zstd: ${message}`, { cause });
}

function read32(b: Uint8Array, i: number): number {
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
}

/** Sound upper bound on the decompressed size of a sequence of zstd frames. */
export function zstdDecompressedBound(src: Uint8Array): number {
  let total = 0;
  let p = 0;
  while (p < src.length) {
    if (p + 4 > src.length) throw bad("truncated frame magic");
    const magic = read32(src, p);
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      if (p + 8 > src.length) throw bad("truncated skippable frame");
      p += 8 + read32(src, p + 4);
      continue;
    }
    if (magic !== MAGIC) throw bad("bad frame magic");
    p += 4;
    if (p >= src.length) throw bad("truncated frame header");
    const fhd = src[p++]!;
    const fcsFlag = fhd >>> 6;
    const singleSegment = (fhd & 0x20) !== 0;
    const checksum = (fhd & 0x04) !== 0;
    if (fhd & 0x08) throw bad("reserved frame header bit set");
    const dictIdSize = [0, 1, 2, 4][fhd & 3]!;
    const fcsSize = fcsFlag === 0 ? (singleSegment ? 1 : 0) : [0, 2, 4, 8][fcsFlag]!;
    const headerRest = (singleSegment ? 0 : 1) + dictIdSize + fcsSize;
    if (p + headerRest > src.length) throw bad("truncated frame header");
    p += (singleSegment ? 0 : 1) + dictIdSize;
    let declared = -1;
    if (fcsSize === 1) declared = src[p]!;
    else if (fcsSize === 2) declared = (src[p]! | (src[p + 1]! << 8)) + 256;
    else if (fcsSize === 4) declared = read32(src, p);
    else if (fcsSize === 8) declared = read32(src, p) + read32(src, p + 4) * 0x1_0000_0000;
    p += fcsSize;
    let frameBound = 0;
    for (;;) {
      if (p + 3 > src.length) throw bad("truncated block header");
      const bh = src[p]! | (src[p + 1]! << 8) | (src[p + 2]! << 16);
      p += 3;
      const last = bh & 1;
      const type = (bh >>> 1) & 3;
      const size = bh >>> 3;
      if (type === 3) throw bad("reserved block type");
      if (size > BLOCK_MAX) throw bad(`block size ${size} above 128 KiB`);
      if (type === 0) {
        frameBound += size;
        p += size;
      } else if (type === 1) {
        frameBound += size;
        p += 1;
      } else {
        frameBound += BLOCK_MAX;
        p += size;
      }
      if (p > src.length) throw bad("truncated block");
      if (last) break;
    }
    if (checksum) p += 4;
    if (p > src.length) throw bad("truncated checksum");
    if (declared >= 0) {
      if (declared > frameBound) throw bad(`declared size ${declared} exceeds its blocks`);
      frameBound = declared;
    }
    total += frameBound;
  }
  return total;
}

export function zstdCompress(data: Uint8Array, level = 3): Uint8Array {
  const out = Bun.zstdCompressSync(data, { level });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** Decompresses zstd frames, never producing more than `maxOutputBytes`. */
export function zstdDecompress(src: Uint8Array, maxOutputBytes: number): Uint8Array {
  const bound = zstdDecompressedBound(src);
  if (bound > maxOutputBytes) {
    throw new RecordsError(
      "decompression_limit",
      `zstd output may reach ${bound} bytes, cap ${maxOutputBytes}`,
    );
  }
  if (src.length === 0) return new Uint8Array(0);
  let out: Uint8Array;
  try {
    out = Bun.zstdDecompressSync(src);
  } catch (e) {
    throw bad("corrupt data", e);
  }
  if (out.length > bound) throw bad("output larger than its frame headers allow");
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
