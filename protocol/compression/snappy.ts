/**
 * Snappy for Kafka codec 2. Java clients wrap Snappy blocks in snappy-java's "xerial"
 * stream framing: magic 0x82 "SNAPPY" 0x00, int32 version, int32 compatible version,
 * then [int32 compressed length][raw Snappy block]… librdkafka reads that framing and
 * may write plain raw Snappy, so the decoder accepts both. Blocks are encoded by the
 * `snappyjs` package; the framing, bounds and checks are ours.
 */
import { compress as snappyCompress, uncompress as snappyUncompress } from "snappyjs";
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

/** The uncompressed length a raw Snappy block declares in its varint preamble. */
function declaredLength(src: Uint8Array, start: number, end: number): number {
  let result = 0;
  for (let i = start, shift = 0; i < end && shift < 35; i++, shift += 7) {
    const b = src[i]!;
    result += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return result;
  }
  throw bad("bad length preamble");
}

function uncompressBlock(block: Uint8Array, maxLength: number): Uint8Array {
  const declared = declaredLength(block, 0, block.length);
  if (declared > maxLength) {
    throw new RecordsError("decompression_limit", `snappy output exceeds ${maxLength} bytes`);
  }
  try {
    return snappyUncompress(block, maxLength);
  } catch (e) {
    throw bad("corrupt block", e);
  }
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
    total += declaredLength(src, p + 4, p + 4 + len);
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
