/**
 * Offset lookups for ListOffsets: the special timestamps (earliest, latest, max
 * timestamp, earliest local) and timestamp search (KIP-79), over one partition.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { decodeRecordBatch } from "../../protocol/records/batch.ts";
import {
  RecordBatchHeader,
  scanBatches,
  TimestampType,
} from "../../protocol/records/batch-header.ts";
import { isStorageError, kafkaErrorCodeOf } from "../../storage/errors.ts";
import { toOffset } from "../../storage/offset.ts";
import { LEADER_EPOCH } from "./broker-core.ts";
import type { PartitionState } from "./partition.ts";

export const LATEST_TIMESTAMP = -1;
export const EARLIEST_TIMESTAMP = -2;
/** KIP-734 (v7+): the record with the largest timestamp. */
export const MAX_TIMESTAMP = -3;
/** KIP-405 (v8+): earliest offset still on local disk; all of it, here. */
export const EARLIEST_LOCAL_TIMESTAMP = -4;
/** KIP-1005 (v9+): last offset in tiered storage; there is none. */
export const LATEST_TIERED_TIMESTAMP = -5;

export interface OffsetLookup {
  errorCode: number;
  offset: number;
  timestamp: number;
  leaderEpoch: number;
}

const NOT_FOUND: OffsetLookup = {
  errorCode: ErrorCode.NONE,
  offset: -1,
  timestamp: -1,
  leaderEpoch: -1,
};

export async function lookupOffset(
  p: PartitionState,
  timestamp: number,
  readCommitted: boolean,
): Promise<OffsetLookup> {
  const log = p.log;
  if (log.isOffline()) return { ...NOT_FOUND, errorCode: ErrorCode.KAFKA_STORAGE_ERROR };
  // read_committed sees up to the last stable offset (KIP-98), others up to the HW.
  const latest = readCommitted ? p.lastStableOffset() : (log.highWatermark() as number);
  const at = (offset: number): OffsetLookup => ({
    errorCode: ErrorCode.NONE,
    offset,
    timestamp: -1,
    leaderEpoch: LEADER_EPOCH,
  });
  try {
    switch (timestamp) {
      case LATEST_TIMESTAMP:
        return at(latest);
      case EARLIEST_TIMESTAMP:
      case EARLIEST_LOCAL_TIMESTAMP:
        return at(log.logStartOffset() as number);
      case LATEST_TIERED_TIMESTAMP:
        return NOT_FOUND;
      case MAX_TIMESTAMP:
        return await maxTimestampOffset(p, latest);
    }
    if (timestamp < 0) return { ...NOT_FOUND, errorCode: ErrorCode.INVALID_REQUEST };
    const found = await log.offsetForTimestamp(timestamp);
    if (!found || (found.offset as number) >= latest) return NOT_FOUND;
    return {
      errorCode: ErrorCode.NONE,
      offset: found.offset,
      timestamp: found.timestamp,
      leaderEpoch: found.leaderEpoch,
    };
  } catch (err) {
    if (isStorageError(err)) return { ...NOT_FOUND, errorCode: kafkaErrorCodeOf(err.code) };
    throw err;
  }
}

/**
 * Walks batch headers below `end` for the largest maxTimestamp, then decodes only that
 * batch to find its record (LogAppendTime batches: the first record carries it).
 */
async function maxTimestampOffset(p: PartitionState, end: number): Promise<OffsetLookup> {
  let from = p.log.logStartOffset() as number;
  let best: { ts: number; bytes: Uint8Array; at: number } | null = null;
  while (from < end) {
    const { records } = await p.log.read(toOffset(from), 4 * 1024 * 1024, {
      maxOffset: toOffset(end),
    });
    if (records.length === 0) break;
    let next = from;
    for (const span of scanBatches(records).batches) {
      const h = new RecordBatchHeader(records, span.offset);
      next = h.nextOffset;
      if (best === null || h.maxTimestamp > best.ts) {
        best = {
          ts: h.maxTimestamp,
          bytes: records.slice(span.offset, span.offset + span.size),
          at: 0,
        };
      }
    }
    if (next <= from) break;
    from = next;
  }
  if (best === null) return NOT_FOUND;
  const h = new RecordBatchHeader(best.bytes, 0);
  if (h.timestampType === TimestampType.logAppendTime) {
    return {
      errorCode: ErrorCode.NONE,
      offset: h.baseOffset,
      timestamp: best.ts,
      leaderEpoch: LEADER_EPOCH,
    };
  }
  const { records } = decodeRecordBatch(best.bytes, 0);
  const record = records.find((r) => r.timestamp === best.ts) ?? records[records.length - 1];
  return {
    errorCode: ErrorCode.NONE,
    offset: record ? record.offset : h.lastOffset,
    timestamp: best.ts,
    leaderEpoch: LEADER_EPOCH,
  };
}
