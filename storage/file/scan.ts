/**
 * Walks the batches stored in a segment file, reading it in large chunks so a scan costs
 * a few preads, not one per batch. Used by recovery (with CRC checks), truncation,
 * timestamp lookups and compaction; never by fetch, which goes through the index.
 */
import { RECORD_BATCH_HEADER_SIZE } from "../../protocol/records/batch-header.ts";
import type { DiskFile } from "../fs.ts";

export const SCAN_CHUNK_BYTES = 1024 * 1024;
/** A length field above this is garbage, not a batch (Kafka's max.message.bytes is int32). */
export const MAX_STORED_BATCH_BYTES = 2 ** 31 - 1;

export type ScanStop =
  /** Reached `limit` exactly on a batch boundary. */
  | "end"
  /** The bytes at the stop position are not a whole batch (torn or garbage length). */
  | "torn"
  /** The visitor asked to stop. */
  | "stopped";

/**
 * Calls `visit(buf, pos, filePosition, size)` for each whole batch in `[from, limit)`.
 * `buf` stays valid after the call (each chunk is a fresh buffer). Returns where it
 * stopped and why.
 */
export async function scanBatches(
  file: DiskFile,
  from: number,
  limit: number,
  visit: (buf: Uint8Array, pos: number, filePosition: number, size: number) => boolean | undefined,
  chunkBytes = SCAN_CHUNK_BYTES,
): Promise<{ position: number; stop: ScanStop }> {
  let filePos = from;
  while (filePos < limit) {
    let buf = new Uint8Array(Math.min(chunkBytes, limit - filePos));
    let got = await file.read(buf, filePos);
    if (got < 12) return { position: filePos, stop: "torn" };
    let pos = 0;
    while (got - pos >= 12) {
      const size = 12 + new DataView(buf.buffer, buf.byteOffset + pos + 8, 4).getInt32(0);
      if (size < RECORD_BATCH_HEADER_SIZE || size > MAX_STORED_BATCH_BYTES) {
        return { position: filePos + pos, stop: "torn" };
      }
      if (filePos + pos + size > limit) return { position: filePos + pos, stop: "torn" };
      if (pos + size > got) {
        if (pos > 0) break; // the next chunk starts at this batch
        // One batch larger than the chunk: read exactly it.
        buf = new Uint8Array(size);
        got = await file.read(buf, filePos);
        if (got < size) return { position: filePos, stop: "torn" };
      }
      if (visit(buf, pos, filePos + pos, size) === false) {
        return { position: filePos + pos, stop: "stopped" };
      }
      pos += size;
    }
    filePos += pos;
  }
  return { position: filePos, stop: "end" };
}
