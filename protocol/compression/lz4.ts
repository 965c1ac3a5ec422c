/**
 * LZ4 frame format (https://github.com/lz4/lz4/blob/dev/doc/lz4_Frame_format.md) in pure
 * TypeScript, as Kafka uses it for codec 3 since KIP-57 (magic ≥ 1).
 *
 * Written here rather than taken from lz4js because that package neither checks bounds
 * (a corrupt block writes past its output silently), nor verifies checksums, and emits
 * 4 MiB blocks. The encoder writes what Kafka's Java KafkaLZ4BlockOutputStream writes:
 * 64 KiB independent blocks, no block or content checksum, no content size, which every
 * Kafka client reads. The decoder accepts any frame: linked or independent blocks, all
 * block sizes, block and content checksums (verified), content size, skippable frames.
 */
import { RecordsError } from "../records/errors.ts";
import { xxhash32 } from "./xxhash32.ts";

const MAGIC = 0x184d2204;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const FLG_VERSION = 0x40;
const FLG_INDEPENDENT = 0x20;
const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_CONTENT_SIZE = 0x08;
const FLG_CONTENT_CHECKSUM = 0x04;
const FLG_DICT_ID = 0x01;
const UNCOMPRESSED_BIT = 0x80000000;
const BLOCK_SIZES: Record<number, number> = { 4: 0x10000, 5: 0x40000, 6: 0x100000, 7: 0x400000 };

const MIN_MATCH = 4;
/** A match may not start in the last 12 bytes of a block, nor cover the last 5. */
const MF_LIMIT = 12;
const LAST_LITERALS = 5;
const HASH_LOG = 16;
const ENCODE_BLOCK_SIZE = 0x10000;

/** Positions of recent 4-byte sequences; stale entries are harmless (bytes are re-checked). */
const hashTable = new Int32Array(1 << HASH_LOG);

function read32(b: Uint8Array, i: number): number {
  return b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
}

function write32(b: Uint8Array, i: number, v: number): void {
  b[i] = v;
  b[i + 1] = v >>> 8;
  b[i + 2] = v >>> 16;
  b[i + 3] = v >>> 24;
}

function bad(message: string): RecordsError {
  return new RecordsError("bad_compressed_data", `lz4: ${message}`);
}

/** Worst-case size of one compressed block of `n` bytes. */
function blockBound(n: number): number {
  return n + Math.floor(n / 255) + 16;
}

/**
 * Compresses `src[start, end)` as one independent LZ4 block into `dst` at `dPos`;
 * returns the end position. Greedy single-probe hash matching, like LZ4's fast mode.
 */
function compressBlock(
  src: Uint8Array,
  start: number,
  end: number,
  dst: Uint8Array,
  dPos: number,
): number {
  let d = dPos;
  let anchor = start;
  const matchStartLimit = end - MF_LIMIT;
  const matchEndLimit = end - LAST_LITERALS;
  let s = start;
  let searches = 0;
  while (s <= matchStartLimit) {
    const seq = read32(src, s);
    const h = Math.imul(seq, 0x9e3779b1) >>> (32 - HASH_LOG);
    const ref = hashTable[h]!;
    hashTable[h] = s;
    if (ref < start || ref >= s || s - ref > 0xffff || read32(src, ref) !== seq) {
      // Skip faster through incompressible data, as the reference encoder does.
      s += 1 + (searches++ >> 6);
      continue;
    }
    searches = 0;
    let m = s + MIN_MATCH;
    let r = ref + MIN_MATCH;
    while (m < matchEndLimit && src[m] === src[r]) {
      m++;
      r++;
    }
    const litLen = s - anchor;
    const matchLen = m - s - MIN_MATCH;
    const token = d++;
    if (litLen >= 15) {
      let n = litLen - 15;
      for (; n >= 255; n -= 255) dst[d++] = 255;
      dst[d++] = n;
    }
    if (litLen < 32) {
      for (let k = 0; k < litLen; k++) dst[d + k] = src[anchor + k]!;
    } else {
      dst.set(src.subarray(anchor, s), d);
    }
    d += litLen;
    const offset = s - ref;
    dst[d++] = offset;
    dst[d++] = offset >>> 8;
    if (matchLen >= 15) {
      let n = matchLen - 15;
      for (; n >= 255; n -= 255) dst[d++] = 255;
      dst[d++] = n;
    }
    dst[token] = (Math.min(litLen, 15) << 4) | Math.min(matchLen, 15);
    s = m;
    anchor = m;
  }
  const litLen = end - anchor;
  dst[d++] = Math.min(litLen, 15) << 4;
  if (litLen >= 15) {
    let n = litLen - 15;
    for (; n >= 255; n -= 255) dst[d++] = 255;
    dst[d++] = n;
  }
  dst.set(src.subarray(anchor, end), d);
  return d + litLen;
}

/**
 * Decodes one LZ4 block `src[s, sEnd)` into `dst` at `dPos`, bounded by `dLimit`.
 * Matches may reach back to `dictStart` (earlier blocks of a linked frame).
 */
function decompressBlock(
  src: Uint8Array,
  s: number,
  sEnd: number,
  dst: Uint8Array,
  dPos: number,
  dLimit: number,
  dictStart: number,
): number {
  let d = dPos;
  for (;;) {
    if (s >= sEnd) throw bad("block ends without final literals");
    const token = src[s++]!;
    let litLen = token >>> 4;
    if (litLen === 15) {
      let b: number;
      do {
        if (s >= sEnd) throw bad("literal length runs past block");
        b = src[s++]!;
        litLen += b;
      } while (b === 255);
    }
    if (s + litLen > sEnd) throw bad("literals run past block");
    if (d + litLen > dLimit) throw bad("literals exceed block size");
    if (litLen < 16) {
      for (let k = 0; k < litLen; k++) dst[d + k] = src[s + k]!;
    } else {
      dst.set(src.subarray(s, s + litLen), d);
    }
    s += litLen;
    d += litLen;
    if (s === sEnd) return d;
    if (s + 2 > sEnd) throw bad("match offset runs past block");
    const offset = src[s]! | (src[s + 1]! << 8);
    s += 2;
    if (offset === 0 || d - offset < dictStart) throw bad(`match offset ${offset} out of range`);
    let matchLen = token & 15;
    if (matchLen === 15) {
      let b: number;
      do {
        if (s >= sEnd) throw bad("match length runs past block");
        b = src[s++]!;
        matchLen += b;
      } while (b === 255);
    }
    matchLen += MIN_MATCH;
    if (d + matchLen > dLimit) throw bad("match exceeds block size");
    let from = d - offset;
    if (offset >= matchLen && matchLen > 32) {
      dst.copyWithin(d, from, from + matchLen);
      d += matchLen;
    } else {
      const stop = d + matchLen;
      while (d < stop) dst[d++] = dst[from++]!;
    }
  }
}

/**
 * Compresses `data` into one LZ4 frame as Kafka's Java client writes it. With
 * `legacyHeaderChecksum` the header checksum also covers the magic number, as Kafka
 * < 0.10 clients expect for magic-0 messages (KAFKA-3160).
 */
export function lz4Compress(data: Uint8Array, legacyHeaderChecksum = false): Uint8Array {
  const blocks = Math.ceil(data.length / ENCODE_BLOCK_SIZE);
  const out = new Uint8Array(7 + blocks * (4 + blockBound(ENCODE_BLOCK_SIZE)) + 4);
  write32(out, 0, MAGIC);
  out[4] = FLG_VERSION | FLG_INDEPENDENT;
  out[5] = 4 << 4; // 64 KiB max block size
  out[6] = (xxhash32(out, legacyHeaderChecksum ? 0 : 4, 6) >>> 8) & 0xff;
  let d = 7;
  for (let s = 0; s < data.length; s += ENCODE_BLOCK_SIZE) {
    const end = Math.min(s + ENCODE_BLOCK_SIZE, data.length);
    const size = compressBlock(data, s, end, out, d + 4) - (d + 4);
    if (size < end - s) {
      write32(out, d, size);
      d += 4 + size;
    } else {
      // Incompressible: store raw, which is never larger than the input.
      write32(out, d, (end - s) | UNCOMPRESSED_BIT);
      out.set(data.subarray(s, end), d + 4);
      d += 4 + (end - s);
    }
  }
  write32(out, d, 0);
  return out.slice(0, d + 4);
}

interface FrameHeader {
  flags: number;
  blockMax: number;
  contentSize: number | null;
  dataStart: number;
}

function readFrameHeader(src: Uint8Array, p: number, legacyChecksum: boolean): FrameHeader {
  if (p + 7 > src.length) throw bad("truncated frame header");
  const flags = src[p + 4]!;
  if ((flags & 0xc0) !== FLG_VERSION) throw bad(`frame version bits ${flags >>> 6}`);
  if (flags & 0x02) throw bad("reserved flag bit set");
  const blockMax = BLOCK_SIZES[(src[p + 5]! >>> 4) & 7];
  if (blockMax === undefined || src[p + 5]! & 0x8f) throw bad("bad block descriptor");
  let q = p + 6;
  let contentSize: number | null = null;
  if (flags & FLG_CONTENT_SIZE) {
    if (q + 8 > src.length) throw bad("truncated content size");
    const hi = read32(src, q + 4) >>> 0;
    if (hi >= 0x200000) throw bad("content size too large");
    contentSize = hi * 0x1_0000_0000 + (read32(src, q) >>> 0);
    q += 8;
  }
  if (flags & FLG_DICT_ID) throw bad("dictionaries are not supported");
  if (q >= src.length) throw bad("truncated frame header");
  const hc = src[q]!;
  if (((xxhash32(src, p + 4, q) >>> 8) & 0xff) !== hc) {
    // Kafka < 0.10 hashed the magic number too (KAFKA-3160).
    if (!legacyChecksum || ((xxhash32(src, p, q) >>> 8) & 0xff) !== hc) {
      throw bad("frame header checksum mismatch");
    }
  }
  return { flags, blockMax, contentSize, dataStart: q + 1 };
}

/**
 * Upper bound on a frame sequence's decompressed size from its block headers alone:
 * stored blocks count their size, compressed ones their frame's maximum block size.
 */
function decompressedBound(src: Uint8Array, legacyChecksum: boolean): number {
  let total = 0;
  let p = 0;
  while (p < src.length) {
    if (p + 8 > src.length) throw bad("truncated frame");
    const magic = read32(src, p) >>> 0;
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      p += 8 + (read32(src, p + 4) >>> 0);
      continue;
    }
    if (magic !== MAGIC) throw bad("bad frame magic");
    const h = readFrameHeader(src, p, legacyChecksum);
    p = h.dataStart;
    for (;;) {
      if (p + 4 > src.length) throw bad("truncated block header");
      const word = read32(src, p) >>> 0;
      p += 4;
      if (word === 0) break;
      const size = word & ~UNCOMPRESSED_BIT;
      if (size > h.blockMax) throw bad(`block of ${size} bytes above max ${h.blockMax}`);
      total += word & UNCOMPRESSED_BIT ? size : h.blockMax;
      p += size + (h.flags & FLG_BLOCK_CHECKSUM ? 4 : 0);
    }
    p += h.flags & FLG_CONTENT_CHECKSUM ? 4 : 0;
  }
  if (p !== src.length) throw bad("truncated frame");
  return total;
}

/** Decompresses one or more LZ4 frames, never producing more than `maxOutputBytes`. */
export function lz4Decompress(
  src: Uint8Array,
  maxOutputBytes: number,
  legacyChecksum = false,
): Uint8Array {
  const bound = decompressedBound(src, legacyChecksum);
  const capacity = Math.min(bound, maxOutputBytes);
  const out = new Uint8Array(capacity);
  let d = 0;
  let p = 0;
  while (p < src.length) {
    const magic = read32(src, p) >>> 0;
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      p += 8 + (read32(src, p + 4) >>> 0);
      continue;
    }
    const h = readFrameHeader(src, p, legacyChecksum);
    const frameStart = d;
    p = h.dataStart;
    for (;;) {
      const word = read32(src, p) >>> 0;
      p += 4;
      if (word === 0) break;
      const size = word & ~UNCOMPRESSED_BIT;
      const limit = Math.min(d + h.blockMax, capacity);
      if (word & UNCOMPRESSED_BIT) {
        if (d + size > capacity) throw limitError(maxOutputBytes);
        out.set(src.subarray(p, p + size), d);
        d += size;
      } else {
        const dictStart = h.flags & FLG_INDEPENDENT ? d : frameStart;
        try {
          d = decompressBlock(src, p, p + size, out, d, limit, dictStart);
        } catch (e) {
          if (limit === capacity && capacity < bound) throw limitError(maxOutputBytes);
          throw e;
        }
      }
      if (h.flags & FLG_BLOCK_CHECKSUM) {
        const blockEnd = p + size;
        if (read32(src, blockEnd) >>> 0 !== xxhash32(src, p, blockEnd)) {
          throw bad("block checksum mismatch");
        }
        p += 4;
      }
      p += size;
    }
    if (h.contentSize !== null && h.contentSize !== d - frameStart) {
      throw bad(`content size ${h.contentSize} but decoded ${d - frameStart}`);
    }
    if (h.flags & FLG_CONTENT_CHECKSUM) {
      if (read32(src, p) >>> 0 !== xxhash32(out, frameStart, d)) {
        throw bad("content checksum mismatch");
      }
      p += 4;
    }
  }
  return d === out.length ? out : out.slice(0, d);
}

function limitError(max: number): RecordsError {
  return new RecordsError("decompression_limit", `lz4 output exceeds ${max} bytes`);
}
