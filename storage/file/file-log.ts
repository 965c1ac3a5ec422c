/**
 * The file engine's partition log: Kafka's segmented layout in `<data>/<topic>-<partition>/`.
 *
 * Writes go through one queue per log. Offsets are assigned when `append` is called;
 * the drain loop takes the appends waiting at that moment (up to GROUP_MAX_BYTES) as one
 * group and writes it with a single pwritev. Groups that need durability (a "sync"
 * append, or flush.messages / flush.ms) are acknowledged by a sync loop running beside
 * the writes: one fdatasync covers every group written before it started (group
 * commit, pipelined with the next writes). Truncation, retention, roll, compaction swaps
 * and close run in the same queue between groups, after pending syncs, so nothing
 * interleaves with them. Reads do not queue: they read below `segment.size` (completed
 * writes) and retry if a truncation or swap happened meanwhile (`generation`).
 *
 * Any I/O error takes the log offline: queued and later calls reject with
 * StorageError("storage_offline"); what was acknowledged before stays on disk.
 */
import { AssertionError, assert } from "../assert.ts";
import {
  type AppendPlan,
  dataViewOf,
  lastOffsetAt,
  maxTimestampAt,
  planAppend,
} from "../batches.ts";
import type { Clock } from "../clock.ts";
import { cleanableCount, type FilterContext, KeyMap } from "../compaction.ts";
import type {
  AbortedTransaction,
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
import { outOfRange, StorageError } from "../errors.ts";
import { errnoOf, type FileSystem, joinPath, parentDir } from "../fs.ts";
import { LeaderEpochCache } from "../leader-epoch-cache.ts";
import type { LogConfig } from "../log-config.ts";
import type { StorageLogger } from "../logger.ts";
import { type Offset, toOffset } from "../offset.ts";
import { retentionCutoff } from "../retention.ts";
import { decodeAbortedTxns, encodeAbortedTxn, overlapping, TXN_ENTRY_BYTES } from "../txn-index.ts";
import { bytesText, textBytes, writeFileAtomic } from "./atomic-write.ts";
import {
  deleteSnapshotsAbove,
  loadProducerSnapshot,
  writeProducerSnapshot,
} from "./producer-snapshots.ts";
import { scanBatches } from "./scan.ts";
import { Segment, segmentPath } from "./segment.ts";
import { writeCleanedSegment } from "./segment-cleaner.ts";
import { readFromSegment, timestampInSegment } from "./segment-read.ts";
import { loadSegment, type RecoveryContext, rebuildSegment } from "./segment-recovery.ts";

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

/**
 * Largest group written in one go. Bigger groups amortise more, but past a few MiB the
 * copy into the page cache is better overlapped with the previous group's fdatasync.
 */
const GROUP_MAX_BYTES = 8 * 1024 * 1024;

/**
 * Zero-filled reserve written ahead of the data for small synced groups. An fdatasync
 * after an append that grows the file must also commit the new size through the ext4
 * journal; one after an overwrite of already written blocks flushes only the data
 * (measured on this VM: p50 0.45 ms against 0.21 ms per 20 KiB write + fdatasync). So a
 * log that syncs small groups writes 1 MiB of zeros past its data once per MiB, and its
 * syncs in between are the cheap kind. Zeros double the bytes written, which pays only
 * while a sync's fixed cost outweighs its data: groups up to RESERVE_GROUP_MAX_BYTES,
 * and only when the group before was small too. Among large groups (batched producers),
 * a small one is a leftover whose reserve the next large group would overwrite at once:
 * 1 MiB of zeros for nothing, 6% of the bytes written in the batched produce benchmark.
 * Readers never look past `size`; roll and close cut the reserve off, and recovery
 * after a crash drops a zero tail as the unused reserve it is.
 */
const RESERVE_BYTES = 1024 * 1024;
const RESERVE_GROUP_MAX_BYTES = 128 * 1024;
let zeros: Uint8Array | null = null;

function zeroFill(n: number): Uint8Array {
  zeros ??= new Uint8Array(RESERVE_BYTES);
  return zeros.subarray(0, n);
}

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
  /** The disk ran out of space once: no zero-filled reserve from then on (writeGroup). */
  private reserveRefused = false;
  /** Bytes of the group written before this one: a small group reserves only after another. */
  private previousGroupBytes = 0;
  /** Bumped by anything that rewrites bytes under readers (truncation, swap). */
  private generation = 0;
  private unflushedMessages = 0;
  /** Groups written that asked for a sync, and the acks waiting for it (runSyncs). */
  private writtenGroups = 0;
  private syncWaiters: Array<{ group: number; items: AppendItem[] }> = [];
  private syncLoop: Promise<void> | null = null;
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
            // Ops see a quiet log: no sync of earlier groups still running under them.
            await this.syncsSettled();
            await head.run();
            head.resolve();
          } catch (err) {
            head.reject(this.failure(err, head.name));
          }
          continue;
        }
        const group: AppendItem[] = [];
        let groupBytes = 0;
        while (
          this.queue[0]?.kind === "append" &&
          (groupBytes < GROUP_MAX_BYTES || group.length === 0)
        ) {
          const item = this.queue.shift() as AppendItem;
          group.push(item);
          groupBytes += item.bytes.length;
        }
        try {
          await this.writeGroup(group, groupBytes);
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
  private async writeGroup(group: AppendItem[], groupBytes: number): Promise<void> {
    let seg = this.active();
    let chunks: Uint8Array[] = [];
    let placed: AppendItem[] = [];
    let chunkBytes = 0;
    const anySync = group.some((i) => i.sync);
    const reserve =
      anySync &&
      groupBytes <= RESERVE_GROUP_MAX_BYTES &&
      this.previousGroupBytes <= RESERVE_GROUP_MAX_BYTES;
    this.previousGroupBytes = groupBytes;
    const flushChunks = async () => {
      if (chunks.length === 0) return;
      const position = seg.size;
      const end = position + chunkBytes;
      let zeroBytes = 0;
      if (reserve && !this.reserveRefused && end > seg.fileLength) {
        zeroBytes = Math.max(0, Math.min(RESERVE_BYTES, this.cfg.segmentBytes - end));
      }
      if (zeroBytes === 0) await seg.file.write(chunks, position);
      else {
        try {
          await seg.file.write([...chunks, zeroFill(zeroBytes)], position);
        } catch (err) {
          if (errnoOf(err) !== "ENOSPC") throw err;
          // A nearly full disk: the data may still fit without the zeros, and a log that
          // is short of space should not ask for more of it.
          this.reserveRefused = true;
          this.log.warn("disk full: writing without the zero-filled reserve", { bytes: zeroBytes });
          zeroBytes = 0;
          await seg.file.write(chunks, position);
          // The failed write may have left part of the zeros: let close cut them.
          seg.fileLength = Math.max(seg.fileLength, await seg.file.size());
        }
      }
      seg.fileLength = Math.max(seg.fileLength, end + zeroBytes);
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
      anySync ||
      this.unflushedMessages >= this.cfg.flushMessages ||
      now - this.lastSyncMs >= this.cfg.flushMs;
    if (!syncNeeded) {
      for (const item of group) item.resolve(resultOf(item.plan));
      return;
    }
    // acks=0/1 members need not wait for the sync that acks=all members asked for.
    const forcedByPolicy = !anySync;
    const waiting: AppendItem[] = [];
    for (const item of group) {
      if (item.sync || forcedByPolicy) waiting.push(item);
      else item.resolve(resultOf(item.plan));
    }
    this.writtenGroups++;
    this.syncWaiters.push({ group: this.writtenGroups, items: waiting });
    this.unflushedMessages = 0;
    this.lastSyncMs = now;
    if (this.syncLoop === null) this.syncLoop = this.runSyncs();
  }

  /**
   * The sync side of group commit, pipelined with writes: while one fdatasync runs, the
   * drain loop keeps writing the next groups into the page cache; the next fdatasync
   * then covers every group written by the time it starts. Copying to the page cache
   * thus overlaps the disk flush instead of adding to it.
   */
  private async runSyncs(): Promise<void> {
    try {
      while (this.syncWaiters.length > 0 && this.offline === null) {
        const covered = this.writtenGroups;
        await this.active().file.datasync();
        while (this.syncWaiters.length > 0 && this.syncWaiters[0]!.group <= covered) {
          for (const item of this.syncWaiters.shift()!.items) item.resolve(resultOf(item.plan));
        }
      }
    } catch (err) {
      this.failure(err, "fdatasync");
    } finally {
      const failed = this.offline;
      if (failed !== null) {
        for (const w of this.syncWaiters.splice(0)) for (const item of w.items) item.reject(failed);
      }
      this.syncLoop = null;
    }
  }

  private async syncsSettled(): Promise<void> {
    while (this.syncLoop !== null) await this.syncLoop;
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
    await old.dropReserve();
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
        const result = await readFromSegment(seg, offset, maxBytes, bound, minOne);
        if (result !== null) return result;
      } finally {
        await seg.release();
      }
    }
    return { records: new Uint8Array(0), batchCount: 0 };
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
          const hit = await timestampInSegment(seg, timestampMs, this.start);
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
      await this.truncateAbortedTxns(offset);
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
      seg.fileLength = cut;
      await seg.file.datasync();
      await rebuildSegment(seg, cut, false, this.recoveryContext());
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
    // Readers walking the segment list by index must start over.
    this.generation++;
    await seg.retire();
    await fs.unlink(seg.logPath);
    await fs.unlink(seg.indexPath);
    await fs.unlink(seg.timeIndexPath);
    await fs.unlink(seg.txnIndexPath);
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

  async recordAbortedTransaction(txn: AbortedTransaction): Promise<void> {
    this.usable();
    assert(txn.firstOffset <= txn.lastOffset, "aborted transaction ends before it starts");
    assert(txn.lastOffset < this.next, "aborted transaction marker beyond the log end");
    await this.enqueue("txn-index", async () => {
      const seg = this.segments[this.segmentIndexFor(txn.lastOffset)]!;
      const known = (t: AbortedTransaction) =>
        t.producerId === txn.producerId && t.lastOffset === txn.lastOffset;
      if (seg.aborted.some(known) || txn.lastOffset < seg.baseOffset) return;
      const { fs } = this.deps;
      const file = await fs.open(seg.txnIndexPath, "readwrite");
      try {
        const at = seg.aborted.length * TXN_ENTRY_BYTES;
        await file.write([encodeAbortedTxn(txn)], at);
        await file.datasync();
      } finally {
        await file.close();
      }
      if (seg.aborted.length === 0) await fs.syncDir(this.dir);
      seg.aborted.push({ ...txn });
    });
  }

  abortedTransactions(fromOffset: Offset, toOffset: Offset): AbortedTransaction[] {
    const out: AbortedTransaction[] = [];
    for (const seg of this.segments) {
      if (seg.aborted.length > 0) out.push(...overlapping(seg.aborted, fromOffset, toOffset));
    }
    return out;
  }

  /** Drops entries at or past `offset` (truncation), rewriting the files that change. */
  private async truncateAbortedTxns(offset: number): Promise<void> {
    for (const seg of this.segments) {
      const kept = seg.aborted.filter((t) => t.lastOffset < offset);
      if (kept.length === seg.aborted.length) continue;
      seg.aborted = kept;
      const bytes = new Uint8Array(kept.length * TXN_ENTRY_BYTES);
      kept.forEach((t, i) => {
        bytes.set(encodeAbortedTxn(t), i * TXN_ENTRY_BYTES);
      });
      const name = seg.txnIndexPath.slice(this.dir.length + 1);
      await writeFileAtomic(this.deps.fs, this.dir, name, bytes);
    }
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
    // Closed from now on: appends made after this call are refused, earlier ones land.
    this.closed = true;
    await this.enqueue("close", async () => {
      const seg = this.active();
      await seg.dropReserve();
      await seg.file.datasync();
      seg.sealTimeIndex();
      await seg.writeIndexFiles(this.deps.fs);
      for (const s of this.segments) await s.retire();
    });
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
  private async cleanSegment(seg: Segment, ctx: FilterContext, result: CompactionResult) {
    const { fs } = this.deps;
    const sizeAtStart = seg.size;
    const cleaned = await writeCleanedSegment(fs, seg, ctx, this.cfg.indexIntervalBytes, result);
    if (cleaned === null) return;
    let swapped = false;
    try {
      await this.enqueue("compaction-swap", async () => {
        const i = this.segments.indexOf(seg);
        if (i < 0 || i === this.segments.length - 1 || seg.size !== sizeAtStart) return;
        // Old indexes go first: after a crash the segment is re-indexed from its data.
        await fs.unlink(seg.indexPath);
        await fs.unlink(seg.timeIndexPath);
        await fs.rename(cleaned.path, seg.logPath);
        await fs.syncDir(this.dir);
        this.generation++;
        this.segments[i] = cleaned.segment;
        swapped = true;
        await seg.retire();
        await cleaned.segment.writeIndexFiles(fs);
        this.generation++;
      });
    } finally {
      if (!swapped) {
        await cleaned.segment.file.close();
        await fs.unlink(cleaned.path);
      }
    }
  }

  // ---- opening and recovery ------------------------------------------------------------

  private async load(topicId: string, state: FileLogRecoveryState): Promise<void> {
    const { fs } = this.deps;
    if (!(await fs.exists(this.dir))) {
      await fs.mkdir(this.dir);
      // The directory entry itself must survive a power loss, not just its files.
      await fs.syncDir(parentDir(this.dir));
    }
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
      await loadSegment(seg, { clean: state.clean, isLast }, this.recoveryContext());
      const txns = await fs.readFile(seg.txnIndexPath);
      if (txns !== null) seg.aborted = decodeAbortedTxns(txns);
      if (!isLast) seg.endOffset = Math.max(seg.endOffset, bases[i + 1]!);
    }
    const end = this.active().endOffset;
    this.next = end;
    this.start = Math.min(Math.max(state.logStartOffset ?? 0, this.segments[0]!.baseOffset), end);
    this.hw = Math.min(Math.max(state.highWatermark ?? this.start, this.start), end);
    this.cleanerOffset = Math.min(state.cleanerOffset ?? 0, end);
    if (this.epochs.truncateFromEnd(end as Offset)) await this.writeEpochs();
    await this.truncateAbortedTxns(end);
    this.snapshot = await loadProducerSnapshot(fs, this.dir, end);
  }

  private recoveryContext(): RecoveryContext {
    return {
      fs: this.deps.fs,
      logger: this.log,
      indexIntervalBytes: this.cfg.indexIntervalBytes,
      epochs: this.epochs,
    };
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
    for (const w of this.syncWaiters.splice(0))
      for (const item of w.items) item.reject(this.offline);
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

function noop(): void {}
