/**
 * Which leading closed segments retention deletes, as Kafka's UnifiedLog does: by age
 * (retention.ms against the segment's largest timestamp), by size (retention.bytes
 * against the whole log), and wholly below the log start (DeleteRecords). Time and size
 * apply only with cleanup.policy containing delete; the log start rule always applies.
 * A segment is deleted only when every offset in it is below the high watermark.
 */
import type { LogConfig } from "./log-config.ts";

export interface SegmentSummary {
  size: number;
  /** Largest batch timestamp in the segment; -1 when none (never expires by time). */
  maxTimestamp: number;
  /** Base offset of the next segment (exclusive end of this one). */
  endOffset: number;
}

export interface RetentionContext {
  config: LogConfig;
  nowMs: number;
  totalBytes: number;
  logStartOffset: number;
  highWatermark: number;
}

/** Number of leading segments of `closed` (oldest first, active excluded) to delete. */
export function retentionCutoff(closed: readonly SegmentSummary[], ctx: RetentionContext): number {
  const { config } = ctx;
  let byStart = 0;
  while (byStart < closed.length && closed[byStart]!.endOffset <= ctx.logStartOffset) byStart++;
  let byTime = 0;
  let bySize = 0;
  if (config.cleanupPolicy.delete) {
    if (config.retentionMs >= 0) {
      while (byTime < closed.length) {
        const ts = closed[byTime]!.maxTimestamp;
        if (ts < 0 || ctx.nowMs - ts <= config.retentionMs) break;
        byTime++;
      }
    }
    if (config.retentionBytes >= 0) {
      let excess = ctx.totalBytes - config.retentionBytes;
      while (bySize < closed.length && excess - closed[bySize]!.size >= 0) {
        excess -= closed[bySize]!.size;
        bySize++;
      }
    }
  }
  let count = Math.max(byStart, byTime, bySize);
  while (count > 0 && closed[count - 1]!.endOffset > ctx.highWatermark) count--;
  return count;
}
