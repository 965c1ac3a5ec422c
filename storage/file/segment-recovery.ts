/**
 * Opening a segment: trusting its index files after a clean shutdown, or scanning it
 * batch by batch — CRC, magic, offsets — after a crash and cutting the torn or corrupt
 * tail, so such bytes are never served.
 */
import { validateBatch } from "../../protocol/records/batch-header.ts";
import { dataViewOf, lastOffsetAt, maxTimestampAt } from "../batches.ts";
import type { FileSystem } from "../fs.ts";
import type { LeaderEpochCache } from "../leader-epoch-cache.ts";
import type { StorageLogger } from "../logger.ts";
import { toOffset } from "../offset.ts";
import { OffsetIndex, TimeIndex } from "./indexes.ts";
import { scanBatches } from "./scan.ts";
import type { Segment } from "./segment.ts";

export interface RecoveryContext {
  fs: FileSystem;
  logger: StorageLogger;
  indexIntervalBytes: number;
  /** Epochs found in scanned batches are added here (Kafka re-derives them the same way). */
  epochs: LeaderEpochCache;
}

export async function loadSegment(
  seg: Segment,
  how: { clean: boolean; isLast: boolean },
  ctx: RecoveryContext,
): Promise<void> {
  const fileSize = await seg.file.size();
  if (how.clean || !how.isLast) {
    const { fs } = ctx;
    const indexBytes = await fs.readFile(seg.indexPath);
    const timeBytes = await fs.readFile(seg.timeIndexPath);
    const index = indexBytes && OffsetIndex.decode(indexBytes, fileSize);
    const timeIndex = timeBytes && TimeIndex.decode(timeBytes);
    if (index && timeIndex) {
      seg.index = index;
      seg.timeIndex = timeIndex;
      seg.size = fileSize;
      seg.maxTimestamp = timeIndex.lastTimestamp();
      seg.offsetOfMaxTimestamp = seg.baseOffset + timeIndex.lastRelativeOffset();
      // Index entries exist only every index.interval.bytes: walk the tail to the end.
      await rebuildSegment(seg, fileSize, false, ctx, index.lastPosition());
      seg.fileLength = seg.size;
      return;
    }
    ctx.logger.warn("rebuilding a missing or damaged segment index", { segment: seg.baseOffset });
  }
  await rebuildSegment(seg, fileSize, !how.clean, ctx);
  seg.fileLength = seg.size;
}

/**
 * Re-reads `seg` from `from` (0: from scratch) up to `limit`, rebuilding indexes and
 * stats. With `verify`, each batch's CRC and offsets are checked and the file is cut at
 * the first bad one: the torn or corrupt tail after a crash is never served.
 */
export async function rebuildSegment(
  seg: Segment,
  limit: number,
  verify: boolean,
  ctx: RecoveryContext,
  from = 0,
): Promise<void> {
  if (from === 0) seg.resetStats();
  else seg.size = from;
  let expected = from === 0 ? seg.baseOffset : -1;
  let valid = 0;
  let bad: string | null = null;
  const { position } = await scanBatches(seg.file, from, limit, (buf, pos, filePos, size) => {
    const view = dataViewOf(buf);
    const base = view.getInt32(pos) * 0x1_0000_0000 + view.getUint32(pos + 4);
    if (verify) {
      const check = validateBatch(buf.subarray(pos, pos + size), 0, { contiguous: false });
      if (!check.ok) {
        bad = check.message;
        return false;
      }
      if (base < expected || base - seg.baseOffset > 0x7fffffff) {
        bad = `offset ${base} out of order`;
        return false;
      }
      const epoch = check.header.partitionLeaderEpoch;
      if (epoch >= 0 && epoch > (ctx.epochs.latestEpoch() ?? -1)) {
        ctx.epochs.assign(epoch, toOffset(base));
      }
    }
    const last = lastOffsetAt(view, pos);
    seg.noteBatch(filePos, size, base, last, maxTimestampAt(view, pos), ctx.indexIntervalBytes);
    expected = last + 1;
    valid++;
    return true;
  });
  if (position < limit && (await zeroFilled(seg, position, limit))) {
    // The unused part of the zero-filled reserve the log writes ahead of its data
    // (file-log.ts): an ordinary end after a crash, not damage.
    ctx.logger.info("dropping the unused preallocated tail", {
      segment: seg.baseOffset,
      bytes: limit - position,
    });
    await seg.file.truncate(position);
    await seg.file.datasync();
    seg.size = position;
  } else if (position < limit) {
    if (!verify) {
      ctx.logger.warn("segment ends in an incomplete batch", { segment: seg.baseOffset });
    }
    ctx.logger.warn("truncating torn or corrupt log tail", {
      segment: seg.baseOffset,
      valid_batches: valid,
      truncated_bytes: limit - position,
      reason: bad ?? "incomplete batch",
    });
    await seg.file.truncate(position);
    await seg.file.datasync();
    seg.size = position;
  }
}

/** Whether the file holds only zero bytes in [from, to). */
async function zeroFilled(seg: Segment, from: number, to: number): Promise<boolean> {
  const buf = new Uint8Array(Math.min(to - from, 1024 * 1024));
  for (let pos = from; pos < to; ) {
    const got = await seg.file.read(buf.subarray(0, Math.min(buf.length, to - pos)), pos);
    if (got <= 0) return false;
    for (let i = 0; i < got; i++) if (buf[i] !== 0) return false;
    pos += got;
  }
  return true;
}
