/**
 * One partition this broker leads: its log, idempotent-producer state and the fetches
 * waiting for data. Single node: this broker is the only replica, so the high watermark
 * follows each append as soon as it reaches the durability the request asked for.
 */

import { decodeRecordBatch } from "../../protocol/records/batch.ts";
import { RecordBatchHeader, scanBatches } from "../../protocol/records/batch-header.ts";
import { ControlType, parseControlRecord } from "../../protocol/records/control.ts";
import type { PartitionLog } from "../../storage/engine.ts";
import { toOffset } from "../../storage/offset.ts";
import {
  decodeProducerSnapshot,
  encodeProducerSnapshot,
  ProducerStateTable,
} from "./producer-state.ts";

export class PartitionState {
  readonly producers = new ProducerStateTable();
  /** Callbacks of long-polling fetches, run when the high watermark moves. */
  private readonly waiters = new Set<() => void>();
  /** Appends since the last producer snapshot, to snapshot at a bounded replay cost. */
  appendsSinceSnapshot = 0;
  /** When the last snapshot after appends started (monotonic ms), to space them out. */
  lastSnapshotMs = Number.NEGATIVE_INFINITY;

  constructor(
    readonly topic: string,
    readonly topicId: string,
    readonly index: number,
    readonly log: PartitionLog,
    readonly leaderEpoch: number,
  ) {}

  /**
   * The last stable offset (KIP-98): the first offset of the oldest open transaction, or
   * the high watermark when none is open. read_committed consumers read below it.
   */
  lastStableOffset(): number {
    const hw = this.log.highWatermark() as number;
    const first = this.producers.firstUnstableOffset();
    return first === null ? hw : Math.min(first, hw);
  }

  /** Tells the log where undecided data starts (compaction leaves it alone). */
  noteUnstable(): void {
    const first = this.producers.firstUnstableOffset();
    this.log.updateFirstUnstableOffset(first === null ? null : toOffset(first));
  }

  /**
   * Idempotent batches whose append has not settled yet, by last offset. A retry of such
   * a batch is a duplicate, but may be acknowledged only once the original write has
   * reached the durability the retry asks for (a duplicate answered early could be lost).
   */
  private readonly unsettled = new Map<number, Promise<unknown>>();

  trackAppend(lastOffsets: readonly number[], append: Promise<unknown>): void {
    if (lastOffsets.length === 0) return;
    for (const o of lastOffsets) this.unsettled.set(o, append);
    const forget = () => {
      for (const o of lastOffsets) if (this.unsettled.get(o) === append) this.unsettled.delete(o);
    };
    append.then(forget, forget);
  }

  /** The original append of the batch ending at `lastOffset`, while it is in flight. */
  unsettledAppend(lastOffset: number): Promise<unknown> | undefined {
    return this.unsettled.get(lastOffset);
  }

  /** Registers a wake-up for the next high-watermark move; returns its canceller. */
  onData(fn: () => void): () => void {
    this.waiters.add(fn);
    return () => this.waiters.delete(fn);
  }

  /** Moves the high watermark to cover an acknowledged append and wakes fetchers. */
  advanceHighWatermark(nextOffset: number): void {
    const hw = this.log.highWatermark();
    const leo = this.log.logEndOffset();
    const target = Math.min(nextOffset, leo);
    if (target <= hw) return;
    this.log.updateHighWatermark(toOffset(target));
    this.wakeAll();
  }

  /** Wakes every waiting fetch (data arrived, or the partition is going away). */
  wakeAll(): void {
    if (this.waiters.size === 0) return;
    const fns = [...this.waiters];
    this.waiters.clear();
    for (const fn of fns) fn();
  }

  /**
   * Rebuilds producer state after open: the newest snapshot, then every batch after it
   * (read from the log, headers only). Also covers data a crash left past the HW: on a
   * single node everything in the log was acknowledged or may be, so the HW moves to LEO.
   */
  async recover(): Promise<void> {
    const snapshot = this.log.latestProducerSnapshot();
    let from = this.log.logStartOffset() as number;
    if (snapshot) {
      const entries = decodeProducerSnapshot(snapshot.bytes);
      if (entries) {
        this.producers.restore(entries);
        from = Math.max(from, snapshot.offset);
      }
    }
    const end = this.log.logEndOffset() as number;
    while (from < end) {
      const { records } = await this.log.read(toOffset(from), 1024 * 1024, {
        maxOffset: toOffset(end),
      });
      if (records.length === 0) break;
      const scan = scanBatches(records);
      let next = from;
      for (const span of scan.batches) {
        const h = new RecordBatchHeader(records, span.offset);
        next = h.nextOffset;
        if (h.producerId < 0 || h.lastOffset < from) continue;
        if (h.isControl) {
          await this.replayMarker(records, span.offset, h);
          continue;
        }
        this.producers.record(
          {
            producerId: h.producerId,
            epoch: h.producerEpoch,
            firstSeq: h.baseSequence,
            count: h.lastOffsetDelta + 1,
          },
          h.baseOffset,
          h.maxTimestamp,
          h.isTransactional,
        );
      }
      if (next <= from) break;
      from = next;
    }
    if ((this.log.highWatermark() as number) < end) this.log.updateHighWatermark(toOffset(end));
    this.noteUnstable();
  }

  /**
   * A COMMIT/ABORT marker met while replaying: closes the producer's transaction, and an
   * abort is (re-)recorded in the aborted-transaction index (a no-op when already there).
   */
  private async replayMarker(records: Uint8Array, at: number, h: RecordBatchHeader): Promise<void> {
    const batch = decodeRecordBatch(records, at);
    const first = batch.records[0];
    if (!first) return;
    const control = parseControlRecord(first.key, first.value);
    const txn = this.producers.closeTxn(
      h.producerId,
      h.producerEpoch,
      h.baseOffset,
      h.maxTimestamp,
    );
    if (!txn) return;
    this.producers.releaseTxn(txn);
    if (control.type === ControlType.abort) {
      const lso = this.producers.firstUnstableOffset() ?? h.baseOffset + 1;
      await this.log.recordAbortedTransaction({
        producerId: h.producerId,
        firstOffset: toOffset(txn.firstOffset),
        lastOffset: toOffset(h.baseOffset),
        lastStableOffset: toOffset(Math.min(lso, h.baseOffset + 1)),
      });
    }
  }

  /** Saves producer state as of the log end, so a restart replays only what follows. */
  async snapshotProducers(): Promise<void> {
    this.appendsSinceSnapshot = 0;
    await this.log.saveProducerSnapshot({
      offset: this.log.logEndOffset(),
      bytes: encodeProducerSnapshot(this.producers),
    });
  }
}
