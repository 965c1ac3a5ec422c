/**
 * Produce-time check for compacted topics, called by the broker before append: Kafka
 * rejects any record without a key on a topic whose cleanup.policy includes compact
 * ("Compacted topic cannot accept message without key"), answering INVALID_RECORD.
 * Control batches (transaction markers) are exempt. Decodes keys, so it runs only for
 * compacted topics.
 */
import { RecordsError } from "../protocol/records/errors.ts";
import { StorageError } from "./errors.ts";
import type { LogConfig } from "./log-config.ts";
import { cursorOf, headerAt, recordsSection } from "./record-sections.ts";

/** null when every record has a key (or the topic is not compacted), else the error. */
export function validateRecordsForTopic(
  batches: Uint8Array,
  config: Pick<LogConfig, "cleanupPolicy">,
): StorageError | null {
  if (!config.cleanupPolicy.compact) return null;
  let pos = 0;
  while (pos < batches.length) {
    const header = headerAt(batches, pos);
    const size = header.sizeInBytes;
    if (!header.isControl) {
      try {
        const cursor = cursorOf(header, recordsSection(header));
        while (cursor.next()) {
          if (cursor.keyLength < 0) {
            return new StorageError(
              "invalid_record",
              "Compacted topic cannot accept message without key",
            );
          }
        }
      } catch (err) {
        if (!(err instanceof RecordsError)) throw err;
        return new StorageError("corrupt_batch", `undecodable batch: ${err.message}`, {
          cause: err,
        });
      }
    }
    pos += size;
  }
  return null;
}
