/**
 * A partition log held in memory: the reference engine the contract tests pin the file
 * engine against, and the engine of `storage_engine = "memory"` (nothing survives a
 * restart). Segments exist here too so roll, retention and compaction behave alike.
 */
import { RecordBatchHeader } from "../../protocol/records/batch-header.ts";
import { assert } from "../assert.ts";
import { planAppend } from "../batches.ts";
import type { Clock } from "../clock.ts";
import { type CompactionInput, compactBatches } from "../compaction.ts";
import type {
  AbortedTransaction,
  AppendOptions,
  AppendResult,
  CompactionResult,
  EpochEndOffset,
  EpochEntry,
  PartitionLog,
  ProducerSnapshot,
  ReadOptions,
  ReadResult,
  RetentionResult,
  TimestampLookup,
} from "../engine.ts";
import { outOfRange, StorageError } from "../errors.ts";
import { LeaderEpochCache } from "../leader-epoch-cache.ts";
import type { LogConfig } from "../log-config.ts";
import { type Offset, toOffset } from "../offset.ts";
import { retentionCutoff } from "../retention.ts";
import { findInBatch } from "../timestamp-lookup.ts";
import { overlapping } from "../txn-index.ts";

interface MemBatch {
  base: number;
  last: number;
  maxTimestamp: number;
  bytes: Uint8Array;
}

interface MemSegment {
  baseOffset: number;
  batches: MemBatch[];
  size: number;
  createdMs: number;
}

export class MemoryLog implements PartitionLog {
  private segments: MemSegment[];
  private next: number;
  private start: number;
  private hw: number;
  private firstUnstable: number | null = null;
  private readonly epochs = new LeaderEpochCache();
  private snapshots: ProducerSnapshot[] = [];
  private aborted: AbortedTransaction[] = [];
  private closed = false;
  private cleanedUpTo = 0;

  constructor(
    readonly topic: string,
    readonly partition: number,
    private cfg: LogConfig,
    private readonly clock: Clock,
  ) {
    this.segments = [this.newSegment(0)];
    this.next = 0;
    this.start = 0;
    this.hw = 0;
  }

  logStartOffset(): Offset {
    return this.start as Offset;
  }
  logEndOffset(): Offset {
    return this.next as Offset;
  }
  highWatermark(): Offset {
    return this.hw as Offset;
  }

  updateHighWatermark(hw: Offset): void {
    this.usable();
    assert(hw <= this.next, `high watermark ${hw} above log end ${this.next}`);
    assert(hw >= this.start, `high watermark ${hw} below log start ${this.start}`);
    this.hw = hw;
  }

  updateFirstUnstableOffset(offset: Offset | null): void {
    this.firstUnstable = offset;
  }

  async append(batches: Uint8Array, options: AppendOptions): Promise<AppendResult> {
    this.usable();
    const plan = planAppend(batches, this.next, this.epochs.latestEpoch(), options);
    for (const [epoch, offset] of plan.epochStarts) this.epochs.assign(epoch, toOffset(offset));
    this.maybeRoll(batches.length, plan.lastOffset - this.active().baseOffset);
    const seg = this.active();
    let pos = 0;
    while (pos < batches.length) {
      const h = new RecordBatchHeader(batches, pos);
      const size = h.sizeInBytes;
      seg.batches.push({
        base: h.baseOffset,
        last: h.lastOffset,
        maxTimestamp: h.maxTimestamp,
        bytes: batches.slice(pos, pos + size),
      });
      seg.size += size;
      pos += size;
    }
    this.next = plan.lastOffset + 1;
    return Promise.resolve({
      firstOffset: toOffset(plan.firstOffset),
      lastOffset: toOffset(plan.lastOffset),
      maxTimestamp: plan.maxTimestamp,
      batchCount: plan.batchCount,
    });
  }

  async read(offset: Offset, maxBytes: number, options: ReadOptions = {}): Promise<ReadResult> {
    this.usable();
    if (offset < this.start || offset > this.next) {
      return Promise.reject(outOfRange(offset, this.start, this.next));
    }
    const bound = Math.min(options.maxOffset ?? this.next, this.next);
    const minOne = options.minOneBatch ?? true;
    const empty = { records: new Uint8Array(0), batchCount: 0 };
    if (offset >= bound) return Promise.resolve(empty);
    for (let s = this.segmentFor(offset); s < this.segments.length; s++) {
      const seg = this.segments[s]!;
      const first = firstBatchEndingAtOrAfter(seg.batches, offset);
      if (first < 0) continue;
      const picked: Uint8Array[] = [];
      let total = 0;
      for (let i = first; i < seg.batches.length; i++) {
        const b = seg.batches[i]!;
        if (b.base >= bound) break;
        if (total + b.bytes.length > maxBytes && !(picked.length === 0 && minOne)) break;
        picked.push(b.bytes);
        total += b.bytes.length;
      }
      return Promise.resolve({ records: concat(picked, total), batchCount: picked.length });
    }
    return Promise.resolve(empty);
  }

  async truncateTo(offset: Offset): Promise<void> {
    this.usable();
    if (offset >= this.next) return Promise.resolve();
    if (offset < this.start) {
      this.segments = [this.newSegment(offset)];
      this.start = offset;
    } else {
      // Like Kafka: a batch straddling `offset` goes whole, and the log end becomes `offset`.
      const kept: MemSegment[] = [];
      for (const seg of this.segments) {
        if (seg.baseOffset >= offset && kept.length > 0) continue;
        const batches = seg.batches.filter((b) => b.last < offset);
        kept.push({ ...seg, batches, size: batches.reduce((n, b) => n + b.bytes.length, 0) });
      }
      this.segments = kept;
    }
    this.next = offset;
    this.hw = Math.min(this.hw, this.next);
    this.epochs.truncateFromEnd(offset);
    this.snapshots = this.snapshots.filter((s) => s.offset <= offset);
    this.aborted = this.aborted.filter((t) => t.lastOffset < offset);
    this.cleanedUpTo = Math.min(this.cleanedUpTo, offset);
    return Promise.resolve();
  }

  async deleteRecordsBefore(offset: Offset): Promise<Offset> {
    this.usable();
    if (offset > this.hw) return Promise.reject(outOfRange(offset, this.start, this.hw));
    if (offset > this.start) this.advanceStart(offset);
    return Promise.resolve(this.start as Offset);
  }

  async offsetForTimestamp(timestampMs: number): Promise<TimestampLookup | null> {
    this.usable();
    for (const seg of this.segments) {
      for (const b of seg.batches) {
        if (b.last < this.start || b.maxTimestamp < timestampMs) continue;
        const hit = findInBatch(b.bytes, 0, timestampMs, this.start);
        if (hit !== null) return Promise.resolve(hit);
      }
    }
    return Promise.resolve(null);
  }

  async assignEpochStartOffset(epoch: number, startOffset: Offset): Promise<void> {
    this.usable();
    this.epochs.assign(epoch, startOffset);
    return Promise.resolve();
  }
  latestEpoch(): number | null {
    return this.epochs.latestEpoch();
  }
  endOffsetForEpoch(epoch: number): EpochEndOffset {
    return this.epochs.endOffsetFor(epoch, this.next as Offset);
  }
  epochEntries(): readonly EpochEntry[] {
    return this.epochs.list();
  }

  async recordAbortedTransaction(txn: AbortedTransaction): Promise<void> {
    this.usable();
    assert(txn.lastOffset < this.next, "aborted transaction marker beyond the log end");
    if (
      this.aborted.some((t) => t.producerId === txn.producerId && t.lastOffset === txn.lastOffset)
    ) {
      return;
    }
    this.aborted.push({ ...txn });
  }

  abortedTransactions(fromOffset: Offset, toOffset: Offset): AbortedTransaction[] {
    return overlapping(this.aborted, fromOffset, toOffset);
  }

  async saveProducerSnapshot(snapshot: ProducerSnapshot): Promise<void> {
    this.usable();
    assert(snapshot.offset <= this.next, "producer snapshot beyond the log end");
    this.snapshots = [...this.snapshots.filter((s) => s.offset < snapshot.offset), snapshot];
    this.snapshots = this.snapshots.slice(-2);
    return Promise.resolve();
  }
  latestProducerSnapshot(): ProducerSnapshot | null {
    return this.snapshots.at(-1) ?? null;
  }

  config(): LogConfig {
    return this.cfg;
  }
  updateConfig(config: LogConfig): void {
    this.cfg = config;
  }

  async roll(): Promise<void> {
    this.usable();
    if (this.active().batches.length > 0) this.segments.push(this.newSegment(this.next));
    return Promise.resolve();
  }

  async flush(): Promise<void> {
    this.usable();
    return Promise.resolve();
  }

  async applyRetention(): Promise<RetentionResult> {
    this.usable();
    const result = { deletedSegments: 0, deletedBytes: 0, logStartOffset: this.start as Offset };
    const closed = this.segments.slice(0, -1).map((seg, i) => ({
      size: seg.size,
      maxTimestamp: seg.batches.reduce((m, b) => Math.max(m, b.maxTimestamp), -1),
      endOffset: this.segments[i + 1]!.baseOffset,
    }));
    const count = retentionCutoff(closed, {
      config: this.cfg,
      nowMs: this.clock.nowMs(),
      totalBytes: this.sizeInBytes(),
      logStartOffset: this.start,
      highWatermark: this.hw,
    });
    if (count === 0) return Promise.resolve(result);
    const removed = this.segments.splice(0, count);
    result.deletedSegments = count;
    result.deletedBytes = removed.reduce((n, s) => n + s.size, 0);
    this.advanceStart(Math.max(this.start, this.segments[0]!.baseOffset));
    result.logStartOffset = this.start as Offset;
    return Promise.resolve(result);
  }

  async compact(options: { force?: boolean } = {}): Promise<CompactionResult | null> {
    this.usable();
    if (!this.cfg.cleanupPolicy.compact || this.segments.length < 2) return Promise.resolve(null);
    const closed = this.segments.slice(0, -1);
    const inputs: CompactionInput[] = closed.map((s, i) => ({
      baseOffset: s.baseOffset,
      endOffset: this.segments[i + 1]!.baseOffset,
      batches: s.batches.map((b) => b.bytes),
    }));
    const outcome = compactBatches(inputs, {
      config: this.cfg,
      nowMs: this.clock.nowMs(),
      cleanableEnd: Math.min(this.active().baseOffset, this.hw, this.firstUnstable ?? Infinity),
      firstDirtyOffset: this.cleanedUpTo,
      force: options.force ?? false,
    });
    if (outcome === null) return Promise.resolve(null);
    const rebuilt: MemSegment[] = outcome.segments.map((s, i) => {
      const batches = s.batches.map((bytes) => {
        const h = new RecordBatchHeader(bytes, 0);
        return { base: h.baseOffset, last: h.lastOffset, maxTimestamp: h.maxTimestamp, bytes };
      });
      const size = batches.reduce((n, b) => n + b.bytes.length, 0);
      return { baseOffset: s.baseOffset, batches, size, createdMs: closed[i]!.createdMs };
    });
    this.segments = [...rebuilt, ...this.segments.slice(rebuilt.length)];
    this.cleanedUpTo = Math.max(this.cleanedUpTo, outcome.cleanedUpTo);
    return Promise.resolve(outcome.result);
  }

  sizeInBytes(): number {
    return this.segments.reduce((n, s) => n + s.size, 0);
  }
  segmentCount(): number {
    return this.segments.length;
  }
  isOffline(): boolean {
    return false;
  }
  async close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  private advanceStart(offset: number): void {
    this.start = offset;
    // Segments wholly below the new start go, as DeleteRecords does in Kafka.
    while (this.segments.length > 1 && this.segments[1]!.baseOffset <= offset) {
      this.segments.shift();
    }
    // Like Kafka's .txnindex, entries go with the segment holding their marker.
    this.aborted = this.aborted.filter((t) => t.lastOffset >= this.segments[0]!.baseOffset);
    this.epochs.truncateFromStart(offset as Offset);
  }

  private maybeRoll(bytes: number, relativeLast: number): void {
    const seg = this.active();
    if (seg.batches.length === 0) return;
    const full = seg.size + bytes > this.cfg.segmentBytes;
    const old = this.clock.nowMs() - seg.createdMs >= this.cfg.segmentMs;
    const overflow = relativeLast > 0x7fffffff;
    if (full || old || overflow) this.segments.push(this.newSegment(this.next));
  }

  /** Last segment whose base offset is ≤ `offset` (0 if none). */
  private segmentFor(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.segments[mid]!.baseOffset <= offset) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  private active(): MemSegment {
    return this.segments.at(-1)!;
  }

  private newSegment(baseOffset: number): MemSegment {
    return { baseOffset, batches: [], size: 0, createdMs: this.clock.nowMs() };
  }

  private usable(): void {
    if (this.closed) throw new StorageError("closed", `log ${this.topic}-${this.partition} closed`);
  }
}

/** Index of the first batch whose last offset is ≥ `offset`, or -1. */
function firstBatchEndingAtOrAfter(batches: readonly MemBatch[], offset: number): number {
  let lo = 0;
  let hi = batches.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (batches[mid]!.last >= offset) {
      found = mid;
      hi = mid - 1;
    } else lo = mid + 1;
  }
  return found;
}

function concat(parts: readonly Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}
