/**
 * The I/O half of compaction for the file engine: filters one closed segment's batches
 * (compaction.ts decides what stays) into `<base>.log.cleaned`, synced, with a fresh
 * in-memory Segment over it. The caller swaps it in under the log's queue.
 */
import { RecordBatchHeader } from "../../protocol/records/batch-header.ts";
import { type FilterContext, filterBatch } from "../compaction.ts";
import type { CompactionResult } from "../engine.ts";
import type { FileSystem } from "../fs.ts";
import { scanBatches } from "./scan.ts";
import { Segment } from "./segment.ts";

/** null when nothing in the segment changes (it is then left alone). */
export async function writeCleanedSegment(
  fs: FileSystem,
  seg: Segment,
  ctx: FilterContext,
  indexIntervalBytes: number,
  result: CompactionResult,
): Promise<{ path: string; segment: Segment } | null> {
  const kept: Uint8Array[] = [];
  let changed = false;
  const sizeAtStart = seg.size;
  await scanBatches(seg.file, 0, sizeAtStart, (buf, pos, _fp, size) => {
    result.bytesBefore += size;
    const outcome = filterBatch(buf, pos, ctx);
    if (outcome.kind === "keep") kept.push(buf.subarray(pos, pos + size));
    else {
      changed = true;
      result.removedRecords += outcome.removed;
      if (outcome.kind === "rewrite") kept.push(outcome.bytes);
    }
  });
  if (!changed) {
    result.bytesAfter += sizeAtStart;
    return null;
  }
  result.bytesAfter += kept.reduce((n, b) => n + b.length, 0);
  const path = `${seg.logPath}.cleaned`;
  const file = await fs.open(path, "readwrite");
  try {
    await file.truncate(0);
    await file.write(kept, 0);
    await file.datasync();
  } catch (err) {
    await file.close();
    await fs.unlink(path);
    throw err;
  }
  const fresh = new Segment(seg.baseOffset, seg.dir, file, seg.createdMs);
  let position = 0;
  for (const batch of kept) {
    const h = new RecordBatchHeader(batch, 0);
    fresh.noteBatch(
      position,
      batch.length,
      h.baseOffset,
      h.lastOffset,
      h.maxTimestamp,
      indexIntervalBytes,
    );
    position += batch.length;
  }
  fresh.sealTimeIndex();
  // Offsets do not move: the cleaned segment still ends where the next one begins.
  fresh.endOffset = Math.max(fresh.endOffset, seg.endOffset);
  fresh.aborted = seg.aborted;
  return { path, segment: fresh };
}
