/**
 * The file engine's partition log: Kafka's segmented layout in `<data>/<topic>-<partition>/`.
 *
 * Writes go through one queue per log. Offsets are assigned when `append` is called;
 * the queue's drain loop takes every append waiting at that moment as one group, writes
 * it with a single pwritev and, if any member asked for "sync" (or flush.messages /
 * flush.ms say so), one fdatasync: group commit. Truncation, retention, roll, compaction
 * swaps and close run in the same queue between groups, so no write interleaves with
 * them. Reads do not queue: they read below `segment.size` (completed writes) and retry
 * if a truncation or swap happened meanwhile (`generation`).
 *
 * Any I/O error takes the log offline: queued and later calls reject with
 * StorageError("storage_offline"); what was acknowledged before stays on disk.
 */
import { RecordBatchHeader, validateBatch } from "../../protocol/records/batch-header.ts";
import { AssertionError, assert } from "../assert.ts";
import {
  type AppendPlan,
  dataViewOf,
  lastOffsetAt,
  maxTimestampAt,
  planAppend,
  trimToWholeBatches,
} from "../batches.ts";
import type { Clock } from "../clock.ts";
import { cleanableCount, filterBatch, KeyMap } from "../compaction.ts";
import type {
  AppendOptions,
  AppendResult,
  CompactionResult,
  EpochEndOffset,
  EpochEntry,
  OpenLogOptions,
  PartitionLog,
  ProducerSnapshot,
  ReadOptions,
  ReadResult,
  RetentionResult,
  TimestampLookup,
} from "../engine.ts";
import { StorageError } from "../errors.ts";
import { errnoOf, type FileSystem, joinPath } from "../fs.ts";
import { LeaderEpochCache } from "../leader-epoch-cache.ts";
import type { LogConfig } from "../log-config.ts";
import type { StorageLogger } from "../logger.ts";
import { outOfRange } from "../memory/memory-log.ts";
import { type Offset, toOffset } from "../offset.ts";
import { retentionCutoff } from "../retention.ts";
import { findInBatch } from "../timestamp-lookup.ts";
import { bytesText, textBytes, writeFileAtomic } from "./atomic-write.ts";
import { OffsetIndex, TimeIndex } from "./indexes.ts";
import {
  deleteSnapshotsAbove,
  loadProducerSnapshot,
  writeProducerSnapshot,
} from "./producer-snapshots.ts";
import { scanBatches } from "./scan.ts";
import { Segment, segmentPath } from "./segment.ts";

export const LEADER_EPOCH_CHECKPOINT = "leader-epoch-checkpoint";
export const PARTITION_METADATA = "partition.metadata";

export interface FileLogDeps {
  fs: FileSystem;
  clock: Clock;
  logger: StorageLogger;
  /** Persists the engine's log-start-offset-checkpoint (includes this log). */
  persistLogStart(): Promise<void>;
  /** Persists the engine's cleaner-offset-checkpoint. */
  persistCleanerOffset(): Promise<void>;
}

export interface FileLogRecoveryState {
  /** The data dir had a clean-shutdown marker: trust index files, skip the CRC scan. */
  clean: boolean;
  logStartOffset?: number;
  highWatermark?: number;
  cleanerOffset?: number;
}

type Item =
  | {
      kind: "append";
      bytes: Uint8Array;
      plan: AppendPlan;
      sync: boolean;
      resolve: (r: AppendResult) => void;
      reject: (e: unknown) => void;
    }
  | {
      kind: "op";
      name: string;
      run: () => Promise<void>;
      resolve: () => void;
      reject: (e: unknown) => void;
    };

type AppendItem = Extract<Item, { kind: "append" }>;

/** Window read at an index position when serving a fetch; covers the usual index gap. */
const LOCATE_SLACK_BYTES = 16 * 1024;

export class FileLog implements PartitionLog {
  readonly topic: string;
  readonly partition: number;
  private cfg: LogConfig;
  private segments: Segment[] = [];
  /** Offset the next append gets (LEO as seen by callers). */
  private next = 0;
  private start = 0;
  private hw = 0;
  private firstUnstable: number | null = null;
  private cleanerOffset = 0;
  private epochs = new LeaderEpochCache();
  private snapshot: ProducerSnapshot | null = null;
  private queue: Item[] = [];
  private draining = false;
  private offline: StorageError | null = null;
  private closed = false;
  private cleaning = false;
  /** Bumped by anything that rewrites bytes under readers (truncation, swap). */
  private generation = 0;
  private unflushedMessages = 0;
  private lastSyncMs: number;
  private readonly log: StorageLogger;

  private constructor(
    readonly dir: string,
    options: OpenLogOptions,
    private readonly deps: FileLogDeps,
  ) {
    this.topic = options.topic;
    this.partition = options.partition;
    this.cfg = options.config;
    this.lastSyncMs = deps.clock.monotonicMs();
    this.log = deps.logger.child({ topic: options.topic, partition: options.partition });
  }

  static async open(
    dir: string,
    options: OpenLogOptions,
    deps: FileLogDeps,
    state: FileLogRecoveryState,
  ): Promise<FileLog> {
    const log = new FileLog(dir, options, deps);
    await log.load(options.topicId, state);
    return log;
  }

  // ---- bookkeeping -------------------------------------------------------------------

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
    assert(hw <= this.next, `high watermark ${hw} above log end ${this.next}`);
    assert(hw >= this.start, `high watermark ${hw} below log start ${this.start}`);
    this.hw = hw;
  }
  updateFirstUnstableOffset(offset: Offset | null): void {
    this.firstUnstable = offset;
  }
  cleanerCheckpoint(): number {
    return this.cleanerOffset;
  }
  config(): LogConfig {
    return this.cfg;
  }
  updateConfig(config: LogConfig): void {
    this.cfg = config;
  }
  sizeInBytes(): number {
    return this.segments.reduce((n, s) => n + s.size, 0);
  }
  segmentCount(): number {
    return this.segments.length;
  }
  isOffline(): boolean {
    return this.offline !== null;
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
  latestProducerSnapshot(): ProducerSnapshot | null {
    return this.snapshot;
  }

  // ---- appends -----------------------------------------------------------------------

  async append(batches: Uint8Array, options: AppendOptions): Promise<AppendResult> {
    this.usable();
    const plan = planAppend(batches, this.next, this.epochs.latestEpoch(), options);
    let epochsChanged = false;
    for (const [epoch, offset] of plan.epochStarts) {
      epochsChanged = this.epochs.assign(epoch, toOffset(offset)) || epochsChanged;
    }
    this.next = plan.lastOffset + 1;
    const written = new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({
        kind: "append",
        bytes: batches,
        plan,
        sync: options.durability === "sync",
        resolve,
        reject,
      });
    });
    if (epochsChanged) void this.enqueue("epoch-checkpoint", () => this.writeEpochs()).catch(noop);
    this.kick();
    return written;
  }

  private kick(): void {
    if (this.draining) return;
    this.draining = true;
    void this.drain();
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        if (this.offline !== null) {
          for (const item of this.queue.splice(0)) item.reject(this.offline);
          break;
        }
        const head = this.queue[0]!;
        if (head.kind === "op") {
          this.queue.shift();
          try {
            await head.run();
            head.resolve();
          } catch (err) {
            head.reject(this.failure(err, head.name));
          }
          continue;
        }
        const group: AppendItem[] = [];
        while (this.queue[0]?.kind === "append") group.push(this.queue.shift() as AppendItem);
        try {
          await this.writeGroup(group);
        } catch (err) {
          const failure = this.failure(err, "append");
          for (const item of group) item.reject(failure);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private enqueue(name: string, run: () => Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ kind: "op", name, run, resolve, reject });
      this.kick();
    });
  }

  /** One group: rolls where needed, one write per segment touched, then at most one sync. */
  private async writeGroup(group: AppendItem[]): Promise<void> {
    let seg = this.active();
    let chunks: Uint8Array[] = [];
    let placed: AppendItem[] = [];
    let chunkBytes = 0;
    const flushChunks = async () => {
      if (chunks.length === 0) return;
      const position = seg.size;
      await seg.file.write(chunks, position);
      this.noteWritten(seg, placed, position);
      chunks = [];
      placed = [];
      chunkBytes = 0;
    };
    for (const item of group) {
      if (this.shouldRoll(seg, seg.size + chunkBytes, item)) {
        await flushChunks();
        await this.rollTo(item.plan.firstOffset);
        seg = this.active();
      }
      chunks.push(item.bytes);
      placed.push(item);
      chunkBytes += item.bytes.length;
    }
    await flushChunks();
    for (const item of group) this.unflushedMessages += item.plan.messageCount;
    const now = this.deps.clock.monotonicMs();
    const syncNeeded =
      group.some((i) => i.sync) ||
      this.unflushedMessages >= this.cfg.flushMessages ||
      now - this.lastSyncMs >= this.cfg.flushMs;
    if (!syncNeeded) {
      for (const item of group) item.resolve(resultOf(item.plan));
      return;
    }
    // acks=0/1 members need not wait for the sync that acks=all members asked for.
    const forcedByPolicy = !group.some((i) => i.sync);
    if (!forcedByPolicy) for (const item of group) if (!item.sync) item.resolve(resultOf(item.plan));
    await this.syncActive();
    for (const item of group) if (item.sync || forcedByPolicy) item.resolve(resultOf(item.plan));
  }

  private noteWritten(seg: Segment, items: readonly AppendItem[], position: number): void {
    let filePos = position;
    for (const item of items) {
      const bytes = item.bytes;
      const view = dataViewOf(bytes);
      let pos = 0;
      while (pos < bytes.length) {
        const size = 12 + view.getInt32(pos + 8);
        const base = view.getInt32(pos) * 0x1_0000_0000 + view.getUint32(pos + 4);
        seg.noteBatch(
          filePos,
          size,
          base,
          lastOffsetAt(view, pos),
          maxTimestampAt(view, pos),
          this.cfg.indexIntervalBytes,
        );
        filePos += size;
        pos += size;
      }
    }
  }

  private async syncActive(): Promise<void> {
    await this.active().file.datasync();
    this.unflushedMessages = 0;
    this.lastSyncMs = this.deps.clock.monotonicMs();
  }

  private shouldRoll(seg: Segment, size: number, item: AppendItem): boolean {
    if (size === 0) return false;
    if (size + item.bytes.length > this.cfg.segmentBytes) return true;
    if (this.deps.clock.nowMs() - seg.createdMs >= this.cfg.segmentMs) return true;
    return item.plan.lastOffset - seg.baseOffset > 0x7fffffff;
  }

  /** Seals the active segment (synced, indexes written) and starts one at `baseOffset`. */
  private async rollTo(baseOffset: number): Promise<void> {
    const old = this.active();
    assert(baseOffset >= old.endOffset, `roll to ${baseOffset} below ${old.endOffset}`);
    await old.file.datasync();
    old.sealTimeIndex();
    await old.writeIndexFiles(this.deps.fs);
    const seg = await this.createSegment(baseOffset);
    this.segments.push(seg);
    this.lastSyncMs = this.deps.clock.monotonicMs();
    this.unflushedMessages = 0;
  }

  private async createSegment(baseOffset: number): Promise<Segment> {
    const { fs } = this.deps;
    const file = await fs.open(segmentPath(this.dir, baseOffset, ".log"), "readwrite");
    await file.truncate(0);
    const seg = new Segment(baseOffset, this.dir, file, this.deps.clock.nowMs());
    await seg.writeIndexFiles(fs);
    await fs.syncDir(this.dir);
    return seg;
  }

  // ---- reads -------------------------------------------------------------------------

  async read(offset: Offset, maxBytes: number, options: ReadOptions = {}): Promise<ReadResult> {
    this.usable();
    if (offset < this.start || offset > this.next) throw outOfRange(offset, this.start, this.next);
    const minOne = options.minOneBatch ?? true;
    for (;;) {
      const generation = this.generation;
      const bound = Math.min(options.maxOffset ?? this.next, this.writtenEnd(), this.next);
      if (offset >= bound) return { records: new Uint8Array(0), batchCount: 0 };
      try {
        const result = await this.readOnce(offset, maxBytes, bound, minOne);
        if (generation === this.generation) return result;
      } catch (err) {
        if (generation === this.generation) throw this.failure(err, "read");
      }
      this.usable();
    }
  }

  private writtenEnd(): number {
    return this.active().endOffset;
  }

  private async readOnce(
    offset: number,
    maxBytes: number,
    bound: number,
    minOne: boolean,
  ): Promise<ReadResult> {
    for (let i = this.segmentIndexFor(offset); i < this.segments.length; i++) {
      const seg = this.segments[i]!;
      if (seg.baseOffset >= bound) break;
      seg.pin();
      try {
        const result = await this.readFromSegment(seg, offset, maxBytes, bound, minOne);
        if (result !== null) return result;
      } finally {
        await seg.release();
      }
    }
    return { records: new Uint8Array(0), batchCount: 0 };
  }

  /** Reads from the batch holding `offset` in `seg`; null when `seg` has no such batch. */
  private async readFromSegment(
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
        if (got < 27) throw corrupt(this, seg, position, "short read inside the written range");
      }
      const size = 12 + view.getInt32(pos + 8);
      if (size < 61 || position + pos + size > limit) {
        throw corrupt(this, seg, position + pos, `batch length ${size}`);
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

  /** Index of the last segment whose base offset is ≤ `offset` (0 if none). */
  private segmentIndexFor(offset: number): number {
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

  async offsetForTimestamp(timestampMs: number): Promise<TimestampLookup | null> {
    this.usable();
    try {
      for (const seg of [...this.segments]) {
        if (seg.maxTimestamp < timestampMs || seg.endOffset <= this.start) continue;
        seg.pin();
        try {
          const hit = await this.timestampInSegment(seg, timestampMs);
          if (hit !== null) return hit;
        } finally {
          await seg.release();
        }
      }
      return null;
    } catch (err) {
      throw this.failure(err, "offsetForTimestamp");
    }
  }

  private async timestampInSegment(seg: Segment, target: number): Promise<TimestampLookup | null> {
    const rel = seg.timeIndex.lookup(target);
    const from = seg.index.lookup(rel);
    let hit: TimestampLookup | null = null;
    await scanBatches(seg.file, from, seg.size, (buf, pos) => {
      const view = dataViewOf(buf);
      if (lastOffsetAt(view, pos) < this.start) return;
      if (maxTimestampAt(view, pos) < target) return;
      hit = findInBatch(buf, pos, target, this.start);
      return hit === null;
    });
    return hit;
  }

  // ---- truncation, log start, retention ------------------------------------------------

  async truncateTo(offset: Offset): Promise<void> {
    this.usable();
    if (offset >= this.next) return;
    const below = offset < this.start;
    this.next = offset;
    this.hw = Math.min(this.hw, offset);
    if (below) this.start = offset;
    const epochsChanged = this.epochs.truncateFromEnd(offset);
    if (this.snapshot !== null && this.snapshot.offset > offset) this.snapshot = null;
    this.cleanerOffset = Math.min(this.cleanerOffset, offset);
    this.generation++;
    await this.enqueue("truncate", async () => {
      this.generation++;
      if (below) await this.replaceAllSegments(offset);
      else await this.truncateSegments(offset);
      if (epochsChanged) await this.writeEpochs();
      await deleteSnapshotsAbove(this.deps.fs, this.dir, offset);
      this.snapshot = await loadProducerSnapshot(this.deps.fs, this.dir, offset);
      if (below) await this.deps.persistLogStart();
      this.generation++;
      this.log.info("log truncated", { offset, log_end_offset: this.writtenEnd() });
    });
  }

  private async truncateSegments(offset: number): Promise<void> {
    while (this.segments.length > 1 && this.active().baseOffset >= offset) {
      const seg = this.segments.pop()!;
      await this.removeSegmentFiles(seg);
    }
    const seg = this.active();
    let cut = seg.size;
    await scanBatches(seg.file, seg.index.lookup(offset - seg.baseOffset), seg.size, (b, p, fp) => {
      if (lastOffsetAt(dataViewOf(b), p) < offset) return;
      cut = fp;
      return false;
    });
    if (cut < seg.size) {
      await seg.file.truncate(cut);
      await seg.file.datasync();
      await this.rebuildSegment(seg, cut, false);
    }
    // The log end is `offset` even when the cut fell at an earlier batch boundary.
    seg.endOffset = Math.max(seg.endOffset, offset);
  }

  private async replaceAllSegments(baseOffset: number): Promise<void> {
    for (const seg of this.segments.splice(0)) await this.removeSegmentFiles(seg);
    this.segments.push(await this.createSegment(baseOffset));
  }

  private async removeSegmentFiles(seg: Segment): Promise<void> {
    const { fs } = this.deps;
    await seg.retire();
    await fs.unlink(seg.logPath);
    await fs.unlink(seg.indexPath);
    await fs.unlink(seg.timeIndexPath);
  }

  async deleteRecordsBefore(offset: Offset): Promise<Offset> {
    this.usable();
    if (offset > this.hw) throw outOfRange(offset, this.start, this.hw);
    if (offset <= this.start) return this.start as Offset;
    this.start = offset;
    const epochsChanged = this.epochs.truncateFromStart(offset);
    await this.enqueue("delete-records", async () => {
      await this.deps.persistLogStart();
      await this.deleteSegmentsBelowStart();
      if (epochsChanged) await this.writeEpochs();
    });
    return this.start as Offset;
  }

  private async deleteSegmentsBelowStart(): Promise<number> {
    let deleted = 0;
    while (this.segments.length > 1 && this.segments[1]!.baseOffset <= this.start) {
      await this.removeSegmentFiles(this.segments.shift()!);
      deleted++;
    }
    if (deleted > 0) await this.deps.fs.syncDir(this.dir);
    return deleted;
  }

  async applyRetention(): Promise<RetentionResult> {
    this.usable();
    const result = { deletedSegments: 0, deletedBytes: 0, logStartOffset: this.start as Offset };
    await this.enqueue("retention", async () => {
      const closed = this.segments.slice(0, -1).map((seg, i) => ({
        size: seg.size,
        maxTimestamp: seg.maxTimestamp,
        endOffset: this.segments[i + 1]!.baseOffset,
      }));
      const count = retentionCutoff(closed, {
        config: this.cfg,
        nowMs: this.deps.clock.nowMs(),
        totalBytes: this.sizeInBytes(),
        logStartOffset: this.start,
        highWatermark: this.hw,
      });
      if (count === 0) return;
      const victims = this.segments.splice(0, count);
      const newStart = Math.max(this.start, this.segments[0]!.baseOffset);
      const startMoved = newStart !== this.start;
      this.start = newStart;
      // The new start is durable before any file goes, so a crash cannot expose a hole.
      if (startMoved) await this.deps.persistLogStart();
      for (const seg of victims) {
        result.deletedBytes += seg.size;
        await this.removeSegmentFiles(seg);
      }
      await this.deps.fs.syncDir(this.dir);
      if (this.epochs.truncateFromStart(newStart as Offset)) await this.writeEpochs();
      result.deletedSegments = count;
      result.logStartOffset = this.start as Offset;
      this.log.info("retention deleted segments", {
        segments: count,
        bytes: result.deletedBytes,
        log_start_offset: this.start,
      });
    });
    return result;
  }

  // ---- epochs, snapshots, roll, flush, close ------------------------------------------

  async assignEpochStartOffset(epoch: number, startOffset: Offset): Promise<void> {
    this.usable();
    if (!this.epochs.assign(epoch, startOffset)) return;
    await this.enqueue("epoch-checkpoint", () => this.writeEpochs());
  }

  private writeEpochs(): Promise<void> {
    return writeFileAtomic(
      this.deps.fs,
      this.dir,
      LEADER_EPOCH_CHECKPOINT,
      textBytes(this.epochs.encode()),
    );
  }

  async saveProducerSnapshot(snapshot: ProducerSnapshot): Promise<void> {
    this.usable();
    assert(snapshot.offset <= this.next, "producer snapshot beyond the log end");
    await this.enqueue("producer-snapshot", async () => {
      await writeProducerSnapshot(this.deps.fs, this.dir, snapshot);
      this.snapshot = snapshot;
    });
  }

  async roll(): Promise<void> {
    this.usable();
    await this.enqueue("roll", async () => {
      const seg = this.active();
      if (seg.size > 0) await this.rollTo(seg.endOffset);
    });
  }

  async flush(): Promise<void> {
    this.usable();
    await this.enqueue("flush", () => this.syncActive());
  }

  /** flush.ms for an idle log: called from engine maintenance. */
  async flushIfDue(): Promise<void> {
    if (this.offline !== null || this.closed || this.unflushedMessages === 0) return;
    if (this.deps.clock.monotonicMs() - this.lastSyncMs < this.cfg.flushMs) return;
    await this.flush();
  }

  /** Clean close: sync, write the active segment's indexes, close files. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.offline !== null) {
      this.closed = true;
      await this.closeFilesQuietly();
      return;
    }
    await this.enqueue("close", async () => {
      const seg = this.active();
      await seg.file.datasync();
      seg.sealTimeIndex();
      await seg.writeIndexFiles(this.deps.fs);
      for (const s of this.segments) await s.retire();
    });
    this.closed = true;
  }

  /** Closes without syncing anything (tests' "crash", offline logs). */
  async closeFilesQuietly(): Promise<void> {
    for (const s of this.segments) await s.retire().catch(noop);
  }

  // ---- compaction ----------------------------------------------------------------------

  async compact(options: { force?: boolean } = {}): Promise<CompactionResult | null> {
    this.usable();
    if (!this.cfg.cleanupPolicy.compact || this.cleaning || this.segments.length < 2) return null;
    this.cleaning = true;
    try {
      return await this.compactOnce(options.force ?? false);
    } catch (err) {
      throw this.failure(err, "compact");
    } finally {
      this.cleaning = false;
    }
  }

  private async compactOnce(force: boolean): Promise<CompactionResult | null> {
    const segs = this.segments.slice(0, -1);
    const summaries = segs.map((seg, i) => ({
      baseOffset: seg.baseOffset,
      endOffset: this.segments[i + 1]!.baseOffset,
      size: seg.size,
      maxTimestamp: seg.maxTimestamp,
    }));
    const count = cleanableCount(summaries, {
      config: this.cfg,
      nowMs: this.deps.clock.nowMs(),
      cleanableEnd: Math.min(this.active().baseOffset, this.hw, this.firstUnstable ?? Infinity),
      firstDirtyOffset: this.cleanerOffset,
      force,
    });
    if (count === 0) return null;
    const victims = segs.slice(0, count);
    for (const seg of victims) seg.pin();
    try {
      const map = new KeyMap();
      for (const seg of victims) {
        await scanBatches(seg.file, 0, seg.size, (buf, pos) => {
          map.observe(buf, pos);
        });
      }
      const result: CompactionResult = { removedRecords: 0, bytesBefore: 0, bytesAfter: 0 };
      const ctx = {
        map,
        nowMs: this.deps.clock.nowMs(),
        deleteRetentionMs: this.cfg.deleteRetentionMs,
      };
      for (const seg of victims) await this.cleanSegment(seg, ctx, result);
      this.cleanerOffset = Math.max(this.cleanerOffset, summaries[count - 1]!.endOffset);
      await this.deps.persistCleanerOffset();
      this.log.info("compacted", {
        segments: count,
        removed_records: result.removedRecords,
        bytes_before: result.bytesBefore,
        bytes_after: result.bytesAfter,
      });
      return result;
    } finally {
      for (const seg of victims) await seg.release();
    }
  }

  /** Rewrites one closed segment into `<base>.log.cleaned` and swaps it in. */
  private async cleanSegment(
    seg: Segment,
    ctx: Parameters<typeof filterBatch>[2],
    result: CompactionResult,
  ): Promise<void> {
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
    const newSize = kept.reduce((n, b) => n + b.length, 0);
    result.bytesAfter += changed ? newSize : sizeAtStart;
    if (!changed) return;
    const { fs } = this.deps;
    const cleanedPath = `${seg.logPath}.cleaned`;
    const file = await fs.open(cleanedPath, "readwrite");
    let swapped = false;
    try {
      await file.truncate(0);
      await file.write(kept, 0);
      await file.datasync();
      const fresh = new Segment(seg.baseOffset, this.dir, file, seg.createdMs);
      let position = 0;
      for (const batch of kept) {
        const h = new RecordBatchHeader(batch, 0);
        fresh.noteBatch(
          position,
          batch.length,
          h.baseOffset,
          h.lastOffset,
          h.maxTimestamp,
          this.cfg.indexIntervalBytes,
        );
        position += batch.length;
      }
      fresh.sealTimeIndex();
      fresh.endOffset = Math.max(fresh.endOffset, seg.endOffset);
      await this.enqueue("compaction-swap", async () => {
        const i = this.segments.indexOf(seg);
        if (i < 0 || i === this.segments.length - 1 || seg.size !== sizeAtStart) return;
        // Old indexes go first: after a crash the segment is re-indexed from its data.
        await fs.unlink(seg.indexPath);
        await fs.unlink(seg.timeIndexPath);
        await fs.rename(cleanedPath, seg.logPath);
        await fs.syncDir(this.dir);
        this.generation++;
        this.segments[i] = fresh;
        swapped = true;
        await seg.retire();
        await fresh.writeIndexFiles(fs);
        this.generation++;
      });
    } finally {
      if (!swapped) {
        await file.close();
        await fs.unlink(cleanedPath);
      }
    }
  }

  // ---- opening and recovery ------------------------------------------------------------

  private async load(topicId: string, state: FileLogRecoveryState): Promise<void> {
    const { fs } = this.deps;
    await fs.mkdir(this.dir);
    await this.writePartitionMetadata(topicId);
    const names = await fs.readdir(this.dir);
    for (const name of names) {
      if (/\.(cleaned|deleted|swap|tmp)$/.test(name)) await fs.unlink(joinPath(this.dir, name));
    }
    const bases = names
      .filter((n) => /^\d{20}\.log$/.test(n))
      .map((n) => Number(n.slice(0, 20)))
      .sort((a, b) => a - b);
    const epochText = await fs.readFile(joinPath(this.dir, LEADER_EPOCH_CHECKPOINT));
    this.epochs =
      (epochText && LeaderEpochCache.decode(bytesText(epochText))) ?? new LeaderEpochCache();
    if (bases.length === 0) {
      const base = state.logStartOffset ?? 0;
      this.segments.push(await this.createSegment(base));
    }
    for (let i = 0; i < bases.length; i++) {
      const base = bases[i]!;
      const file = await fs.open(segmentPath(this.dir, base, ".log"), "readwrite");
      const seg = new Segment(base, this.dir, file, this.deps.clock.nowMs());
      this.segments.push(seg);
      const isLast = i === bases.length - 1;
      await this.loadSegment(seg, { clean: state.clean, isLast });
      if (!isLast) seg.endOffset = Math.max(seg.endOffset, bases[i + 1]!);
    }
    const end = this.active().endOffset;
    this.next = end;
    this.start = Math.min(Math.max(state.logStartOffset ?? 0, this.segments[0]!.baseOffset), end);
    this.hw = Math.min(Math.max(state.highWatermark ?? this.start, this.start), end);
    this.cleanerOffset = Math.min(state.cleanerOffset ?? 0, end);
    if (this.epochs.truncateFromEnd(end as Offset)) await this.writeEpochs();
    this.snapshot = await loadProducerSnapshot(fs, this.dir, end);
  }

  private async loadSegment(seg: Segment, how: { clean: boolean; isLast: boolean }) {
    const fileSize = await seg.file.size();
    if (how.clean || !how.isLast) {
      const { fs } = this.deps;
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
        await this.rebuildSegment(seg, fileSize, false, index.lastPosition());
        return;
      }
      this.log.warn("rebuilding a missing or damaged segment index", { segment: seg.baseOffset });
    }
    await this.rebuildSegment(seg, fileSize, !how.clean);
  }

  /**
   * Re-reads `seg` from `from` (0: from scratch) up to `limit`, rebuilding indexes and
   * stats. With `verify`, each batch's CRC and offsets are checked and the file is cut at
   * the first bad one: the torn or corrupt tail after a crash is never served.
   */
  private async rebuildSegment(
    seg: Segment,
    limit: number,
    verify: boolean,
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
        if (epoch >= 0 && epoch > (this.epochs.latestEpoch() ?? -1)) {
          this.epochs.assign(epoch, toOffset(base));
        }
      }
      const last = lastOffsetAt(view, pos);
      seg.noteBatch(filePos, size, base, last, maxTimestampAt(view, pos), this.cfg.indexIntervalBytes);
      expected = last + 1;
      valid++;
      return true;
    });
    if (position < limit) {
      if (!verify) {
        this.log.warn("segment ends in an incomplete batch", { segment: seg.baseOffset });
      }
      this.log.warn("truncating torn or corrupt log tail", {
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

  private async writePartitionMetadata(topicId: string): Promise<void> {
    const { fs } = this.deps;
    const text = `version: 0\ntopic_id: ${topicId}\n`;
    const existing = await fs.readFile(joinPath(this.dir, PARTITION_METADATA));
    if (existing !== null && bytesText(existing) === text) return;
    if (existing !== null) {
      this.log.warn("partition.metadata names another topic id; rewriting", { topic_id: topicId });
    }
    await writeFileAtomic(fs, this.dir, PARTITION_METADATA, textBytes(text));
  }

  // ---- failure -------------------------------------------------------------------------

  private active(): Segment {
    return this.segments.at(-1)!;
  }

  private usable(): void {
    if (this.offline !== null) throw this.offline;
    if (this.closed) {
      throw new StorageError("closed", `log ${this.topic}-${this.partition} is closed`);
    }
  }

  /**
   * Turns an error from an operation into what callers see. StorageErrors and broken
   * invariants pass through; anything else came from the disk and takes the log offline.
   */
  private failure(err: unknown, operation: string): unknown {
    if (err instanceof StorageError && err.code !== "storage_offline") return err;
    if (err instanceof AssertionError) return err;
    if (this.offline !== null) return this.offline;
    const errno = errnoOf(err) ?? "unknown";
    this.offline = new StorageError(
      "storage_offline",
      `partition ${this.topic}-${this.partition} is offline after an I/O error (${errno}) in ${operation}`,
      { cause: err },
    );
    this.log.error("partition offline after I/O error", {
      operation,
      errno,
      error: err instanceof Error ? err.message : String(err),
      log_end_offset: this.next,
    });
    for (const item of this.queue.splice(0)) item.reject(this.offline);
    return this.offline;
  }
}

function resultOf(plan: AppendPlan): AppendResult {
  return {
    firstOffset: toOffset(plan.firstOffset),
    lastOffset: toOffset(plan.lastOffset),
    maxTimestamp: plan.maxTimestamp,
    batchCount: plan.batchCount,
  };
}

function corrupt(log: FileLog, seg: Segment, position: number, what: string): StorageError {
  return new StorageError(
    "corrupt_batch",
    `${log.topic}-${log.partition} segment ${seg.baseOffset} at byte ${position}: ${what}`,
  );
}

function noop(): void {}
