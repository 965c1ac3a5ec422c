/**
 * Snappy for Kafka codec 2. Java clients wrap Snappy blocks in snappy-java's "xerial"
 * stream framing: magic 0x82 "SNAPPY" 0x00, int32 version, int32 compatible version,
 * then [int32 compressed length][raw Snappy block]… librdkafka reads that framing and
 * may write plain raw Snappy, so the decoder accepts both. Blocks are encoded by the
 * `snappyjs` package. They are decoded here: snappyjs's decoder reads a 4-byte literal
 * length as a signed int, so one hostile tag walks its cursor backwards forever and
 * would hang the broker on a single produce request.
 */
import { compress as snappyCompress } from "snappyjs";
import { RecordsError } from "../records/errors.ts";

const XERIAL_MAGIC = [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00] as const;
const XERIAL_HEADER_SIZE = 16;
/** snappy-java's default block size, which Kafka's SnappyOutputStream uses. */
const XERIAL_BLOCK_SIZE = 32 * 1024;

function bad(message: string, cause?: unknown): RecordsError {
  return new RecordsError("bad_compressed_data", `snappy: ${message}`, { cause });
}

function isXerial(src: Uint8Array): boolean {
  if (src.length < XERIAL_HEADER_SIZE) return false;
  for (let i = 0; i < XERIAL_MAGIC.length; i++) if (src[i] !== XERIAL_MAGIC[i]) return false;
  return true;
}

/** A raw Snappy block's varint preamble: the uncompressed length and where elements start. */
function readPreamble(
  src: Uint8Array,
  start: number,
  end: number,
): { length: number; body: number } {
  let length = 0;
  for (let i = start, shift = 0; i < end && shift < 35; i++, shift += 7) {
    const b = src[i]!;
    length += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return { length, body: i + 1 };
  }
  throw bad("bad length preamble");
}

function uncompressBlock(block: Uint8Array, maxLength: number): Uint8Array {
  const { length: declared, body } = readPreamble(block, 0, block.length);
  let s = body;
  if (declared > maxLength) {
    throw new RecordsError("decompression_limit", `snappy output exceeds ${maxLength} bytes`);
  }
  const out = new Uint8Array(declared);
  let d = 0;
  while (s < block.length) {
    const tag = block[s++]!;
    const kind = tag & 3;
    if (kind === 0) {
      let len = (tag >>> 2) + 1;
      if (len > 60) {
        const extra = len - 60;
        if (s + extra > block.length) throw bad("literal length runs past block");
        len = 0;
        for (let k = 0; k < extra; k++) len += block[s + k]! * 2 ** (8 * k);
        len += 1;
        s += extra;
      }
      if (s + len > block.length) throw bad("literal runs past block");
      if (d + len > declared) throw bad("literal exceeds declared length");
      out.set(block.subarray(s, s + len), d);
      s += len;
      d += len;
      continue;
    }
    let len: number;
    let offset: number;
    if (kind === 1) {
      if (s + 1 > block.length) throw bad("copy runs past block");
      len = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | block[s]!;
      s += 1;
    } else if (kind === 2) {
      if (s + 2 > block.length) throw bad("copy runs past block");
      len = (tag >>> 2) + 1;
      offset = block[s]! | (block[s + 1]! << 8);
      s += 2;
    } else {
      if (s + 4 > block.length) throw bad("copy runs past block");
      len = (tag >>> 2) + 1;
      offset =
        block[s]! + block[s + 1]! * 0x100 + block[s + 2]! * 0x1_0000 + block[s + 3]! * 0x100_0000;
      s += 4;
    }
    if (offset === 0 || offset > d) throw bad(`copy offset ${offset} out of range`);
    if (d + len > declared) throw bad("copy exceeds declared length");
    // Byte by byte: a copy may overlap its own output (offset < len repeats a pattern).
    for (let from = d - offset, stop = d + len; d < stop; ) out[d++] = out[from++]!;
  }
  if (d !== declared) throw bad(`declared ${declared} bytes but decoded ${d}`);
  return out;
}

/** Compresses `data` with xerial framing, as Kafka's Java producer does. */
export function snappyCompressXerial(data: Uint8Array): Uint8Array {
  const blocks: Uint8Array[] = [];
  let total = XERIAL_HEADER_SIZE;
  for (let s = 0; s < data.length; s += XERIAL_BLOCK_SIZE) {
    const block = snappyCompress(data.subarray(s, Math.min(s + XERIAL_BLOCK_SIZE, data.length)));
    blocks.push(block);
    total += 4 + block.length;
  }
  const out = new Uint8Array(total);
  out.set(XERIAL_MAGIC, 0);
  const view = new DataView(out.buffer);
  view.setInt32(8, 1); // version
  view.setInt32(12, 1); // minimum compatible version
  let p = XERIAL_HEADER_SIZE;
  for (const block of blocks) {
    view.setInt32(p, block.length);
    out.set(block, p + 4);
    p += 4 + block.length;
  }
  return out;
}

/** Compresses `data` as one raw Snappy block (what librdkafka sends). */
export function snappyCompressRaw(data: Uint8Array): Uint8Array {
  return snappyCompress(data);
}

/** Decompresses xerial-framed or raw Snappy, never producing more than `maxOutputBytes`. */
export function snappyDecompress(src: Uint8Array, maxOutputBytes: number): Uint8Array {
  if (!isXerial(src)) return uncompressBlock(src, maxOutputBytes);
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  // First pass: sum the declared sizes so the output is allocated once and capped.
  let total = 0;
  let p = XERIAL_HEADER_SIZE;
  while (p < src.length) {
    if (p + 4 > src.length) throw bad("truncated block length");
    const len = view.getInt32(p);
    if (len < 0 || p + 4 + len > src.length) throw bad(`block length ${len} out of bounds`);
    total += readPreamble(src, p + 4, p + 4 + len).length;
    if (total > maxOutputBytes) {
      throw new RecordsError(
        "decompression_limit",
        `snappy output exceeds ${maxOutputBytes} bytes`,
      );
    }
    p += 4 + len;
  }
  const out = new Uint8Array(total);
  let d = 0;
  p = XERIAL_HEADER_SIZE;
  while (p < src.length) {
    const len = view.getInt32(p);
    const block = uncompressBlock(src.subarray(p + 4, p + 4 + len), total - d);
    out.set(block, d);
    d += block.length;
    p += 4 + len;
  }
  return out;
}
