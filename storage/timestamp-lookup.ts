/**
 * ListOffsets by timestamp inside one batch: Kafka answers with the first record whose
 * timestamp is ≥ the target, so the batch found through the time index is opened and its
 * records walked. A batch that cannot be decoded answers with its first offset and max
 * timestamp (still a correct lower bound for a consumer to seek to).
 */
import { RecordsError } from "../protocol/records/errors.ts";
import type { TimestampLookup } from "./engine.ts";
import { toOffset } from "./offset.ts";
import { cursorOf, headerAt, recordsSection } from "./record-sections.ts";

export function findInBatch(
  buf: Uint8Array,
  pos: number,
  targetMs: number,
  logStartOffset: number,
): TimestampLookup | null {
  const header = headerAt(buf, pos);
  if (header.maxTimestamp < targetMs || header.lastOffset < logStartOffset) return null;
  const leaderEpoch = header.partitionLeaderEpoch;
  const fallback = {
    offset: toOffset(Math.max(header.baseOffset, logStartOffset)),
    timestamp: header.maxTimestamp,
    leaderEpoch,
  };
  if (header.isControl) return null;
  try {
    const cursor = cursorOf(header, recordsSection(header));
    while (cursor.next()) {
      if (cursor.offset >= logStartOffset && cursor.timestamp >= targetMs) {
        return { offset: toOffset(cursor.offset), timestamp: cursor.timestamp, leaderEpoch };
      }
    }
    return null;
  } catch (err) {
    if (err instanceof RecordsError) return fallback;
    throw err;
  }
}
