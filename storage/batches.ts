/**
 * What the engines need from record batch headers: walking a blob of whole batches,
 * stamping offsets and epochs on append. Only headers are read (DESIGN.md rule 2).
 */
import {
  CURRENT_MAGIC,
  LOG_OVERHEAD,
  RECORD_BATCH_HEADER_SIZE,
  RecordBatchHeader,
} from "../protocol/records/batch-header.ts";
import { assert } from "./assert.ts";
import type { AppendOptions } from "./engine.ts";

export interface AppendPlan {
  firstOffset: number;
  lastOffset: number;
  maxTimestamp: number;
  batchCount: number;
  /** Records counted by lastOffsetDelta + 1 per batch (flush.messages counts these). */
  messageCount: number;
  /** Leader epochs that start inside this append, in order: [epoch, startOffset]. */
  epochStarts: Array<[number, number]>;
}

/**
 * Walks the batches of one append, stamping offsets (leader) or checking them
 * (follower). `latestEpoch` lets it report epoch changes without a callback per batch.
 */
export function planAppend(
  bytes: Uint8Array,
  nextOffset: number,
  latestEpoch: number | null,
  options: AppendOptions,
): AppendPlan {
  assert(bytes.length >= RECORD_BATCH_HEADER_SIZE, "append: no whole batch");
  const plan: AppendPlan = {
    firstOffset: -1,
    lastOffset: -1,
    maxTimestamp: -1,
    batchCount: 0,
    messageCount: 0,
    epochStarts: [],
  };
  let epoch = latestEpoch ?? -1;
  let next = nextOffset;
  let pos = 0;
  while (pos < bytes.length) {
    const header = new RecordBatchHeader(bytes, pos);
    const size = header.sizeInBytes;
    assert(header.magic === CURRENT_MAGIC, `append: magic ${header.magic} is not 2`);
    assert(size >= RECORD_BATCH_HEADER_SIZE && pos + size <= bytes.length, "append: torn batch");
    const delta = header.lastOffsetDelta;
    assert(delta >= 0, `append: lastOffsetDelta ${delta}`);
    if (options.assignOffsets) header.setBaseOffset(next);
    else {
      assert(
        header.baseOffset >= next,
        `append: offset ${header.baseOffset} below log end ${next} (offsets only grow)`,
      );
    }
    if (options.leaderEpoch !== undefined) header.setPartitionLeaderEpoch(options.leaderEpoch);
    const base = header.baseOffset;
    if (plan.firstOffset < 0) plan.firstOffset = base;
    const batchEpoch = header.partitionLeaderEpoch;
    if (batchEpoch > epoch) {
      plan.epochStarts.push([batchEpoch, base]);
      epoch = batchEpoch;
    }
    next = base + delta + 1;
    plan.lastOffset = next - 1;
    plan.maxTimestamp = Math.max(plan.maxTimestamp, header.maxTimestamp);
    plan.batchCount++;
    plan.messageCount += delta + 1;
    pos += size;
  }
  return plan;
}

/** Size of the batch at `pos`, or -1 when its 12-byte prefix is not all there. */
export function batchSizeAt(view: DataView, pos: number, end: number): number {
  if (end - pos < LOG_OVERHEAD) return -1;
  return LOG_OVERHEAD + view.getInt32(pos + 8);
}

/** baseOffset at `pos` (safe: stored batches passed validation). */
export function baseOffsetAt(view: DataView, pos: number): number {
  return view.getInt32(pos) * 0x1_0000_0000 + view.getUint32(pos + 4);
}

/** lastOffset at `pos`; needs 27 header bytes. */
export function lastOffsetAt(view: DataView, pos: number): number {
  return baseOffsetAt(view, pos) + view.getInt32(pos + 23);
}

export function maxTimestampAt(view: DataView, pos: number): number {
  return view.getInt32(pos + 35) * 0x1_0000_0000 + view.getUint32(pos + 39);
}

export function leaderEpochAt(view: DataView, pos: number): number {
  return view.getInt32(pos + 12);
}

export function dataViewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Trims `bytes[0, end)` (read from storage, starting at a batch boundary) to whole
 * batches below `maxOffset`, keeping at most `maxBytes` unless the first batch alone is
 * larger and `minOne` is set. Returns the byte length to keep and the batch count.
 */
export function trimToWholeBatches(
  view: DataView,
  end: number,
  maxBytes: number,
  maxOffset: number,
  minOne: boolean,
): { length: number; count: number } {
  let pos = 0;
  let count = 0;
  while (pos < end) {
    if (end - pos < RECORD_BATCH_HEADER_SIZE) break;
    const size = batchSizeAt(view, pos, end);
    if (size < RECORD_BATCH_HEADER_SIZE || pos + size > end) break;
    if (baseOffsetAt(view, pos) >= maxOffset) break;
    if (pos + size > maxBytes && !(count === 0 && minOne)) break;
    pos += size;
    count++;
  }
  return { length: pos, count };
}
