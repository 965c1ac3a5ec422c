/**
 * Log compaction (cleanup.policy=compact), shared by the engines: keep the latest value
 * per key, drop tombstones older than delete.retention.ms, keep offsets unchanged.
 *
 * Transactions (what a read_committed reader needs, KIP-98): this cleaner never removes or
 * rewrites a transactional or control batch, and records in transactional batches do not
 * supersede older values (their transaction may have aborted). It only removes
 * non-transactional records superseded by a later non-transactional record with the
 * same key, and only below the high watermark, the first unstable offset and the active
 * segment. So every committed value a read_committed reader could see, every abort
 * marker and every aborted batch it must skip, stays. The price: aborted data and markers
 * are kept forever on compacted topics (Kafka removes them eventually).
 *
 * Idempotence: when every record of a producer's last batch in the cleaned range goes,
 * an empty batch (header only) stays, as Kafka does, so the producer's sequence state can
 * still be rebuilt from the log.
 */
import { readVarint } from "../protocol/codec/varint.ts";
import type { CompressionCodecId } from "../protocol/compression/codec-id.ts";
import { RecordBatchHeader } from "../protocol/records/batch-header.ts";
import { crc32c } from "../protocol/records/crc32c.ts";
import { RecordsError } from "../protocol/records/errors.ts";
import type { CompactionResult } from "./engine.ts";
import type { LogConfig } from "./log-config.ts";
import { compressSection, cursorOf, recordsSection } from "./record-sections.ts";

/** Key → offset of its latest non-transactional record, built over the cleanable range. */
export class KeyMap {
  private readonly latest = new Map<string, number>();
  private readonly lastBatchOfProducer = new Map<number, number>();

  /** Takes in one batch (whole, at `buf[pos]`). */
  observe(buf: Uint8Array, pos: number): void {
    const h = new RecordBatchHeader(buf, pos);
    if (h.producerId >= 0) this.lastBatchOfProducer.set(h.producerId, h.baseOffset);
    if (h.isControl || h.isTransactional) return;
    let section: Uint8Array;
    try {
      section = recordsSection(h);
    } catch (err) {
      if (err instanceof RecordsError) return; // undecodable: kept whole by filterBatch
      throw err;
    }
    const cursor = cursorOf(h, section);
    while (cursor.next()) {
      const key = cursor.key;
      if (key !== null) this.latest.set(keyString(key), cursor.offset);
    }
  }

  latestOffset(key: Uint8Array): number | undefined {
    return this.latest.get(keyString(key));
  }

  isLastBatchOfProducer(producerId: number, baseOffset: number): boolean {
    return producerId >= 0 && this.lastBatchOfProducer.get(producerId) === baseOffset;
  }
}

function keyString(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString("latin1");
}

export type FilterOutcome =
  | { kind: "keep" }
  | { kind: "drop"; removed: number }
  | { kind: "rewrite"; bytes: Uint8Array; removed: number };

export interface FilterContext {
  map: KeyMap;
  nowMs: number;
  deleteRetentionMs: number;
}

/** What compaction does to the batch at `buf[pos]`. */
export function filterBatch(buf: Uint8Array, pos: number, ctx: FilterContext): FilterOutcome {
  const h = new RecordBatchHeader(buf, pos);
  if (h.isControl || h.isTransactional) return { kind: "keep" };
  let section: Uint8Array;
  try {
    section = recordsSection(h);
  } catch (err) {
    if (err instanceof RecordsError) return { kind: "keep" };
    throw err;
  }
  const tombstonesExpired = h.maxTimestamp + ctx.deleteRetentionMs < ctx.nowMs;
  const cursor = cursorOf(h, section);
  const kept: Array<[number, number]> = [];
  let removed = 0;
  let p = 0;
  while (p < section.length) {
    const len = readVarint(section, p);
    const end = len.next + len.value;
    if (!cursor.next()) break;
    const key = cursor.key;
    const superseded = key !== null && (ctx.map.latestOffset(key) ?? -1) > cursor.offset;
    const deadTombstone = key !== null && cursor.valueLength < 0 && tombstonesExpired;
    if (superseded || deadTombstone) removed++;
    else kept.push([p, end]);
    p = end;
  }
  if (removed === 0) return { kind: "keep" };
  if (kept.length === 0 && !ctx.map.isLastBatchOfProducer(h.producerId, h.baseOffset)) {
    return { kind: "drop", removed };
  }
  return { kind: "rewrite", bytes: rebuildBatch(h, section, kept), removed };
}

/**
 * A batch with only the `kept` record byte ranges of `section`. baseOffset,
 * lastOffsetDelta, timestamps and producer fields stay, so offsets and record deltas
 * stay valid; length, count and CRC are recomputed.
 */
function rebuildBatch(
  h: RecordBatchHeader,
  section: Uint8Array,
  kept: ReadonlyArray<[number, number]>,
): Uint8Array {
  const rawLength = kept.reduce((n, [a, b]) => n + (b - a), 0);
  const raw = new Uint8Array(rawLength);
  let w = 0;
  for (const [a, b] of kept) {
    raw.set(section.subarray(a, b), w);
    w += b - a;
  }
  const codec = kept.length === 0 ? 0 : h.compression;
  const payload = codec === 0 ? raw : compressSection(codec as CompressionCodecId, raw);
  const out = new Uint8Array(61 + payload.length);
  out.set(h.buf.subarray(h.offset, h.offset + 61), 0);
  out.set(payload, 61);
  const view = new DataView(out.buffer);
  view.setInt32(8, 49 + payload.length);
  view.setInt16(21, (h.attributes & ~0x07) | codec);
  view.setInt32(57, kept.length);
  view.setUint32(17, crc32c(out, 21, out.length));
  return out;
}

export interface CleanableSegment {
  baseOffset: number;
  /** Exclusive end: the next segment's base offset. */
  endOffset: number;
  size: number;
  maxTimestamp: number;
}

export interface CleaningPlanOptions {
  config: LogConfig;
  nowMs: number;
  /** min(active segment base, high watermark, first unstable offset). */
  cleanableEnd: number;
  /** Offsets below this were cleaned before (cleaner checkpoint). */
  firstDirtyOffset: number;
  force: boolean;
}

/**
 * How many leading closed segments to clean, or 0 when the dirty ratio is below
 * min.cleanable.dirty.ratio (Kafka's trigger) and the pass is not forced.
 */
export function cleanableCount(
  segments: readonly CleanableSegment[],
  options: CleaningPlanOptions,
): number {
  const lagLimit = options.nowMs - options.config.minCompactionLagMs;
  let count = 0;
  while (count < segments.length) {
    const s = segments[count]!;
    if (s.endOffset > options.cleanableEnd) break;
    if (options.config.minCompactionLagMs > 0 && s.maxTimestamp > lagLimit) break;
    count++;
  }
  if (count === 0) return 0;
  let total = 0;
  let dirty = 0;
  for (const s of segments.slice(0, count)) {
    total += s.size;
    if (s.endOffset > options.firstDirtyOffset) dirty += s.size;
  }
  if (total === 0) return 0;
  // A forced pass (tests, admin) also re-cleans clean segments: expired tombstones go.
  if (options.force) return count;
  if (dirty === 0 || dirty / total < options.config.minCleanableDirtyRatio) return 0;
  return count;
}

export interface CompactionInput {
  baseOffset: number;
  endOffset: number;
  batches: Uint8Array[];
}

export interface CompactionOutcome {
  /** The cleaned segments in order (same count and base offsets as the cleaned inputs). */
  segments: Array<{ baseOffset: number; batches: Uint8Array[] }>;
  cleanedUpTo: number;
  result: CompactionResult;
}

/** Whole-pass compaction over in-memory segments (the memory engine's cleaner). */
export function compactBatches(
  inputs: readonly CompactionInput[],
  options: CleaningPlanOptions,
): CompactionOutcome | null {
  const summaries = inputs.map((s) => ({
    baseOffset: s.baseOffset,
    endOffset: s.endOffset,
    size: s.batches.reduce((n, b) => n + b.length, 0),
    maxTimestamp: s.batches.reduce(
      (m, b) => Math.max(m, new RecordBatchHeader(b).maxTimestamp),
      -1,
    ),
  }));
  const count = cleanableCount(summaries, options);
  if (count === 0) return null;
  const map = new KeyMap();
  for (const s of inputs.slice(0, count)) for (const b of s.batches) map.observe(b, 0);
  const ctx = {
    map,
    nowMs: options.nowMs,
    deleteRetentionMs: options.config.deleteRetentionMs,
  };
  const result: CompactionResult = { removedRecords: 0, bytesBefore: 0, bytesAfter: 0 };
  const segments = inputs.slice(0, count).map((s) => {
    const batches: Uint8Array[] = [];
    for (const b of s.batches) {
      result.bytesBefore += b.length;
      const outcome = filterBatch(b, 0, ctx);
      if (outcome.kind === "keep") batches.push(b);
      else result.removedRecords += outcome.removed;
      if (outcome.kind === "rewrite") batches.push(outcome.bytes);
    }
    result.bytesAfter += batches.reduce((n, b) => n + b.length, 0);
    return { baseOffset: s.baseOffset, batches };
  });
  return { segments, cleanedUpTo: summaries[count - 1]!.endOffset, result };
}
