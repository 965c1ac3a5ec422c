/**
 * Serving reads from one segment: the sparse index gives a starting position, one pread
 * usually covers both the walk to the wanted batch and the answer, and the answer is
 * trimmed to whole batches. Only bytes below `segment.size` (completed writes) are read.
 */
import { dataViewOf, lastOffsetAt, maxTimestampAt, trimToWholeBatches } from "../batches.ts";
import type { ReadResult, TimestampLookup } from "../engine.ts";
import { StorageError } from "../errors.ts";
import { findInBatch } from "../timestamp-lookup.ts";
import { scanBatches } from "./scan.ts";
import type { Segment } from "./segment.ts";

/** Window read at an index position; covers the usual gap to the wanted batch. */
const LOCATE_SLACK_BYTES = 16 * 1024;

/** Reads from the batch holding `offset` in `seg`; null when `seg` has no such batch. */
export async function readFromSegment(
  seg: Segment,
  offset: number,
  maxBytes: number,
  bound: number,
  minOne: boolean,
): Promise<ReadResult | null> {
  const limit = seg.size;
  let position = seg.index.lookup(offset - seg.baseOffset);
  if (position >= limit) position = 0;
  // One pread usually covers both the walk from the index entry and the answer.
  let window = new Uint8Array(Math.min(limit - position, maxBytes + LOCATE_SLACK_BYTES));
  let got = await seg.file.read(window, position);
  let view = dataViewOf(window);
  let pos = 0;
  for (;;) {
    if (position + pos >= limit) return null;
    if (got - pos < 27) {
      position += pos;
      window = new Uint8Array(Math.min(limit - position, maxBytes + LOCATE_SLACK_BYTES));
      got = await seg.file.read(window, position);
      view = dataViewOf(window);
      pos = 0;
      if (got < 27) throw corrupt(seg, position, "short read inside the written range");
    }
    const size = 12 + view.getInt32(pos + 8);
    if (size < 61 || position + pos + size > limit) {
      throw corrupt(seg, position + pos, `batch length ${size}`);
    }
    if (lastOffsetAt(view, pos) >= offset) break;
    pos += size;
  }
  const firstSize = 12 + view.getInt32(pos + 8);
  const available = limit - (position + pos);
  const want = Math.min(available, Math.max(maxBytes, minOne ? firstSize : 0));
  let out: Uint8Array;
  if (pos + want <= got) out = window.subarray(pos, pos + want);
  else {
    out = new Uint8Array(want);
    const n = await seg.file.read(out, position + pos);
    out = out.subarray(0, n);
  }
  const trim = trimToWholeBatches(dataViewOf(out), out.length, maxBytes, bound, minOne);
  return { records: out.subarray(0, trim.length), batchCount: trim.count };
}

/** ListOffsets inside one segment: time index, then offset index, then a scan. */
export async function timestampInSegment(
  seg: Segment,
  target: number,
  logStartOffset: number,
): Promise<TimestampLookup | null> {
  const rel = seg.timeIndex.lookup(target);
  const from = seg.index.lookup(rel);
  let hit: TimestampLookup | null = null;
  await scanBatches(seg.file, from, seg.size, (buf, pos) => {
    const view = dataViewOf(buf);
    if (lastOffsetAt(view, pos) < logStartOffset) return;
    if (maxTimestampAt(view, pos) < target) return;
    hit = findInBatch(buf, pos, target, logStartOffset);
    return hit === null;
  });
  return hit;
}

function corrupt(seg: Segment, position: number, what: string): StorageError {
  return new StorageError("corrupt_batch", `segment ${seg.logPath} at byte ${position}: ${what}`);
}
