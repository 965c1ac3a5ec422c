/**
 * One partition this broker leads: its log, idempotent-producer state and the fetches
 * waiting for data. Single node: this broker is the only replica, so the high watermark
 * follows each append as soon as it reaches the durability the request asked for.
 */

import { RecordBatchHeader, scanBatches } from "../../protocol/records/batch-header.ts";
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

  constructor(
    readonly topic: string,
    readonly topicId: string,
    readonly index: number,
    readonly log: PartitionLog,
    readonly leaderEpoch: number,
  ) {}

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
        this.producers.record(
          {
            producerId: h.producerId,
            epoch: h.producerEpoch,
            firstSeq: h.baseSequence,
            count: h.lastOffsetDelta + 1,
          },
          h.baseOffset,
          h.maxTimestamp,
        );
      }
      if (next <= from) break;
      from = next;
    }
    if ((this.log.highWatermark() as number) < end) this.log.updateHighWatermark(toOffset(end));
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
