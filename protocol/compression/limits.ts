/**
 * Decompression output caps. Every decompressor takes `maxOutputBytes` and throws
 * RecordsError("decompression_limit") before allocating more than that, so a small
 * hostile batch cannot make the process allocate gigabytes (DESIGN.md rule 4).
 */

/**
 * Default cap: comfortably above Kafka's largest default batch sizes (message.max.bytes
 * 1 MiB, fetch.max.bytes 50 MiB) so no legitimate batch hits it.
 */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

export interface DecompressOptions {
  /** Upper bound on the decompressed size; default DEFAULT_MAX_DECOMPRESSED_BYTES. */
  maxOutputBytes?: number;
  /**
   * LZ4 only: also accept the frame header checksum that Kafka < 0.10 computed over the
   * magic number too (KAFKA-3160). Set for legacy magic-0 message sets.
   */
  legacyLz4HeaderChecksum?: boolean;
}
