/**
 * Idempotent-producer bookkeeping for one partition (KIP-98): per producer id, its epoch
 * and the last five batches it appended. A retried batch (same first and last sequence)
 * is answered with the offset it got the first time instead of being written twice; a
 * gap is OUT_OF_ORDER_SEQUENCE_NUMBER; an older epoch is INVALID_PRODUCER_EPOCH.
 *
 * Rules follow Kafka's ProducerAppendInfo.checkSequence: a producer this partition has
 * never seen (epoch unknown) may start at any sequence, a new epoch must start at 0,
 * the same epoch must continue at lastSeq + 1 (wrapping at Int32.MAX).
 *
 * Transactions (KIP-98): each producer's open transaction on this partition is the
 * offset of its first transactional batch (`txnFirstOffset`), cleared by the COMMIT or
 * ABORT marker. The last stable offset is the smallest such offset; a transaction whose
 * marker is appended but not yet durable still holds it (`markerOffset` set), so no
 * read_committed fetch sees its data before the marker and the abort index are durable.
 */

/** How many recent batches per producer are kept for duplicate detection (Kafka's 5). */
export const BATCHES_REMEMBERED = 5;
const INT32_MAX = 2 ** 31 - 1;

export interface BatchRecord {
  firstSeq: number;
  lastSeq: number;
  firstOffset: number;
  lastOffset: number;
}

export interface ProducerEntry {
  producerId: number;
  epoch: number;
  /** Oldest first, at most BATCHES_REMEMBERED. */
  batches: BatchRecord[];
  lastTimestampMs: number;
  /** First offset of this producer's open transaction here; -1 when none. */
  txnFirstOffset: number;
}

/** An open (or completing) transaction on this partition. */
export interface OpenTxn {
  producerId: number;
  firstOffset: number;
  /** Offset of its marker once appended (not yet durable); null while open. */
  markerOffset: number | null;
}

export type SequenceCheck =
  | { kind: "append" }
  | { kind: "duplicate"; firstOffset: number; lastOffset: number }
  | { kind: "invalid_epoch"; currentEpoch: number }
  | { kind: "out_of_order"; expected: number };

export interface IncomingBatch {
  producerId: number;
  epoch: number;
  firstSeq: number;
  /** Number of records (lastOffsetDelta + 1). */
  count: number;
}

export function lastSequenceOf(firstSeq: number, count: number): number {
  const last = firstSeq + count - 1;
  return last > INT32_MAX ? last - INT32_MAX - 1 : last;
}

export class ProducerStateTable {
  private readonly entries = new Map<number, ProducerEntry>();
  /** Open and completing transactions by producer id (few at a time). */
  private readonly txns = new Map<number, OpenTxn>();

  get size(): number {
    return this.entries.size;
  }

  get(producerId: number): ProducerEntry | undefined {
    return this.entries.get(producerId);
  }

  all(): IterableIterator<ProducerEntry> {
    return this.entries.values();
  }

  /** Decides what to do with a batch; changes nothing. */
  check(batch: IncomingBatch): SequenceCheck {
    const entry = this.entries.get(batch.producerId);
    if (!entry) return { kind: "append" };
    if (batch.epoch < entry.epoch) return { kind: "invalid_epoch", currentEpoch: entry.epoch };
    if (batch.epoch > entry.epoch) {
      return batch.firstSeq === 0 ? { kind: "append" } : { kind: "out_of_order", expected: 0 };
    }
    const lastSeq = lastSequenceOf(batch.firstSeq, batch.count);
    for (const b of entry.batches) {
      if (b.firstSeq === batch.firstSeq && b.lastSeq === lastSeq) {
        return { kind: "duplicate", firstOffset: b.firstOffset, lastOffset: b.lastOffset };
      }
    }
    const last = entry.batches[entry.batches.length - 1];
    if (!last) return { kind: "append" };
    const expected = last.lastSeq === INT32_MAX ? 0 : last.lastSeq + 1;
    return batch.firstSeq === expected ? { kind: "append" } : { kind: "out_of_order", expected };
  }

  /**
   * Records an appended batch (after `check` said append, or while replaying the log).
   * `transactional` batches open the producer's transaction here if none is open.
   */
  record(
    batch: IncomingBatch,
    firstOffset: number,
    timestampMs: number,
    transactional = false,
  ): void {
    const entry = this.entryFor(batch.producerId, batch.epoch);
    const open = this.txns.get(batch.producerId);
    // A closing transaction (marker not yet durable) is superseded by the next one.
    if (transactional && (!open || open.markerOffset !== null)) {
      this.txns.set(batch.producerId, {
        producerId: batch.producerId,
        firstOffset,
        markerOffset: null,
      });
      entry.txnFirstOffset = firstOffset;
    }
    if (batch.firstSeq < 0) {
      // Coordinator writes (transactional offset commits) carry no sequence.
      if (batch.epoch > entry.epoch) entry.epoch = batch.epoch;
      entry.lastTimestampMs = timestampMs;
      return;
    }
    if (batch.epoch !== entry.epoch) {
      entry.epoch = batch.epoch;
      entry.batches = [];
    }
    entry.batches.push({
      firstSeq: batch.firstSeq,
      lastSeq: lastSequenceOf(batch.firstSeq, batch.count),
      firstOffset,
      lastOffset: firstOffset + batch.count - 1,
    });
    if (entry.batches.length > BATCHES_REMEMBERED) entry.batches.shift();
    entry.lastTimestampMs = timestampMs;
  }

  private entryFor(producerId: number, epoch: number): ProducerEntry {
    let entry = this.entries.get(producerId);
    if (!entry) {
      entry = { producerId, epoch, batches: [], lastTimestampMs: 0, txnFirstOffset: -1 };
      this.entries.set(producerId, entry);
    }
    return entry;
  }

  /** The producer's open transaction here (also while its marker is being written). */
  openTxn(producerId: number): OpenTxn | undefined {
    return this.txns.get(producerId);
  }

  openTxns(): IterableIterator<OpenTxn> {
    return this.txns.values();
  }

  /** Smallest first offset of an open or completing transaction; null when none. */
  firstUnstableOffset(): number | null {
    let min: number | null = null;
    for (const t of this.txns.values())
      if (min === null || t.firstOffset < min) min = t.firstOffset;
    return min;
  }

  /**
   * A marker for the producer was appended at `markerOffset`: its transaction closes (the
   * producer's epoch moves to the marker's). Returns the closed transaction, which keeps
   * holding the last stable offset until `releaseTxn` (marker durable). Null when none
   * was open (a retried marker).
   */
  closeTxn(
    producerId: number,
    epoch: number,
    markerOffset: number,
    timestampMs: number,
  ): OpenTxn | null {
    const entry = this.entryFor(producerId, epoch);
    if (epoch > entry.epoch) {
      entry.epoch = epoch;
      entry.batches = [];
    }
    entry.lastTimestampMs = timestampMs;
    entry.txnFirstOffset = -1;
    const txn = this.txns.get(producerId);
    if (!txn || txn.markerOffset !== null) return null;
    txn.markerOffset = markerOffset;
    return txn;
  }

  /** The marker is durable: the transaction stops holding the last stable offset. */
  releaseTxn(txn: OpenTxn): void {
    if (this.txns.get(txn.producerId) === txn) this.txns.delete(txn.producerId);
  }

  /** Replaces the whole table (restoring a snapshot). */
  restore(entries: Iterable<ProducerEntry>): void {
    this.entries.clear();
    this.txns.clear();
    for (const e of entries) {
      this.entries.set(e.producerId, { ...e, batches: [...e.batches] });
      if (e.txnFirstOffset >= 0) {
        this.txns.set(e.producerId, {
          producerId: e.producerId,
          firstOffset: e.txnFirstOffset,
          markerOffset: null,
        });
      }
    }
  }

  clear(): void {
    this.entries.clear();
    this.txns.clear();
  }
}

/** Snapshot format version; bump on any layout change (old snapshots are then ignored). */
const SNAPSHOT_VERSION = 2;
const ENTRY_BYTES = 8 + 2 + 8 + 8 + 1;
const BATCH_BYTES = 4 + 4 + 8 + 8;

/**
 * Serializes the table for PartitionLog.saveProducerSnapshot. Numbers are stored as
 * float64: producer ids and offsets are safe integers (validateBatch guarantees it).
 */
export function encodeProducerSnapshot(table: ProducerStateTable): Uint8Array {
  let size = 1 + 4;
  for (const e of table.all()) size += ENTRY_BYTES + e.batches.length * BATCH_BYTES;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let pos = 0;
  view.setUint8(pos, SNAPSHOT_VERSION);
  view.setUint32(pos + 1, table.size);
  pos += 5;
  for (const e of table.all()) {
    view.setFloat64(pos, e.producerId);
    view.setInt16(pos + 8, e.epoch);
    view.setFloat64(pos + 10, e.lastTimestampMs);
    // Only still-open transactions: one whose marker is already in the log is closed.
    const open = table.openTxn(e.producerId);
    view.setFloat64(pos + 18, open && open.markerOffset === null ? open.firstOffset : -1);
    view.setUint8(pos + 26, e.batches.length);
    pos += ENTRY_BYTES;
    for (const b of e.batches) {
      view.setInt32(pos, b.firstSeq);
      view.setInt32(pos + 4, b.lastSeq);
      view.setFloat64(pos + 8, b.firstOffset);
      view.setFloat64(pos + 16, b.lastOffset);
      pos += BATCH_BYTES;
    }
  }
  return out;
}

/** Parses a snapshot; null when it is from another format version or damaged. */
export function decodeProducerSnapshot(bytes: Uint8Array): ProducerEntry[] | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 5 || view.getUint8(0) !== SNAPSHOT_VERSION) return null;
  const count = view.getUint32(1);
  const entries: ProducerEntry[] = [];
  let pos = 5;
  for (let i = 0; i < count; i++) {
    if (pos + ENTRY_BYTES > bytes.length) return null;
    const n = view.getUint8(pos + 26);
    const entry: ProducerEntry = {
      producerId: view.getFloat64(pos),
      epoch: view.getInt16(pos + 8),
      lastTimestampMs: view.getFloat64(pos + 10),
      txnFirstOffset: view.getFloat64(pos + 18),
      batches: [],
    };
    pos += ENTRY_BYTES;
    if (pos + n * BATCH_BYTES > bytes.length) return null;
    for (let j = 0; j < n; j++) {
      entry.batches.push({
        firstSeq: view.getInt32(pos),
        lastSeq: view.getInt32(pos + 4),
        firstOffset: view.getFloat64(pos + 8),
        lastOffset: view.getFloat64(pos + 16),
      });
      pos += BATCH_BYTES;
    }
    entries.push(entry);
  }
  return entries;
}
