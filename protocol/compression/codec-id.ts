/**
 * Compression codec ids as stored in the low 3 bits of a batch's (or legacy message's)
 * attributes. Kept apart from the codecs so header code can name them without loading any.
 */
export const CompressionCodec = {
  none: 0,
  gzip: 1,
  snappy: 2,
  lz4: 3,
  zstd: 4,
} as const;

export type CompressionCodecId = (typeof CompressionCodec)[keyof typeof CompressionCodec];

export const COMPRESSION_CODEC_NAMES = ["none", "gzip", "snappy", "lz4", "zstd"] as const;
export type CompressionCodecName = (typeof COMPRESSION_CODEC_NAMES)[number];

export function isCompressionCodecId(id: number): id is CompressionCodecId {
  return id >= 0 && id <= 4 && Number.isInteger(id);
}
