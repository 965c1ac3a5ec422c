/**
 * Kafka's compression codecs behind one pair of functions. protocol/records calls these
 * for batch payloads; every decompression is capped (see limits.ts). Nothing here does
 * I/O: gzip and zstd use Bun's in-memory built-ins, snappy and lz4 run in TypeScript.
 */
import { RecordsError } from "../records/errors.ts";
import { CompressionCodec, type CompressionCodecId } from "./codec-id.ts";
import { gzipCompress, gzipDecompress } from "./gzip.ts";
import { DEFAULT_MAX_DECOMPRESSED_BYTES, type DecompressOptions } from "./limits.ts";
import { lz4Compress, lz4Decompress } from "./lz4.ts";
import { snappyCompressXerial, snappyDecompress } from "./snappy.ts";
import { zstdCompress, zstdDecompress } from "./zstd.ts";

export { CompressionCodec, type CompressionCodecId } from "./codec-id.ts";
export { type GzipInflater, setGzipInflater } from "./gzip.ts";
export { DEFAULT_MAX_DECOMPRESSED_BYTES, type DecompressOptions } from "./limits.ts";

export interface CompressOptions {
  /** gzip 1..9 (default 6), zstd 1..22 (default 3); ignored by snappy and lz4. */
  level?: number;
}

/** Compresses `data` with `codec` in the framing Kafka clients expect. */
export function compress(
  codec: CompressionCodecId,
  data: Uint8Array,
  options: CompressOptions = {},
): Uint8Array {
  switch (codec) {
    case CompressionCodec.none:
      return data;
    case CompressionCodec.gzip:
      return gzipCompress(data, options.level ?? 6);
    case CompressionCodec.snappy:
      return snappyCompressXerial(data);
    case CompressionCodec.lz4:
      return lz4Compress(data);
    case CompressionCodec.zstd:
      return zstdCompress(data, options.level ?? 3);
  }
}

/** Decompresses `data`; throws RecordsError (bad data, unknown codec, or over the cap). */
export function decompress(
  codec: number,
  data: Uint8Array,
  options: DecompressOptions = {},
): Uint8Array {
  const max = options.maxOutputBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
  switch (codec) {
    case CompressionCodec.none:
      if (data.length > max) {
        throw new RecordsError("decompression_limit", `${data.length} bytes exceed cap ${max}`);
      }
      return data;
    case CompressionCodec.gzip:
      return gzipDecompress(data, max);
    case CompressionCodec.snappy:
      return snappyDecompress(data, max);
    case CompressionCodec.lz4:
      return lz4Decompress(data, max, options.legacyLz4HeaderChecksum ?? false);
    case CompressionCodec.zstd:
      return zstdDecompress(data, max);
    default:
      throw new RecordsError("unsupported_codec", `compression codec id ${codec}`);
  }
}
