/**
 * The transaction coordinator of this node (KIP-98, Kafka's TransactionCoordinator with
 * transaction version 1): transactional ids → producer id/epoch and the open
 * transaction's partitions, persisted to `__transaction_state` before any answer that
 * depends on it, reloaded at start-up.
 *
 * Each entry point checks and changes in-memory state synchronously (marking the id
 * `busy`), appends its record, and applies the change once durable. Ending a transaction
 * runs Prepare{Commit,Abort} → markers on every partition → Complete{Commit,Abort};
 * EndTxn answers after the markers are durable, so a client's next transaction never
 * races its previous markers. A crash between the steps is finished at start-up
 * (Prepare*) or by the timeout sweep (Ongoing → abort with a bumped epoch).
 */
import { ErrorCode } from "../../protocol/errors.ts";
import type { Timer } from "../../storage/clock.ts";
import type { BrokerCore } from "../core/broker-core.ts";
import { CoordinatorLogError } from "../core/internal-topic.ts";
import { writeTxnMarker } from "../core/txn-markers.ts";
import type { Logger } from "../logger.ts";
import {
  applyTransition,
  fromLogValue,
  hasPartition,
  MAX_EPOCH,
  newMetadata,
  type TxnMetadata,
  type TxnTransition,
  toLogValue,
  transitionFrom,
} from "./metadata.ts";
import {
  decodeTxnLogKey,
  decodeTxnLogValue,
  encodeTxnLogKey,
  encodeTxnLogValue,
  TxnStatus,
} from "./records.ts";
import type { TxnStateLog } from "./txn-log.ts";

/** How often open transactions are checked against their timeout. */
export const TIMEOUT_CHECK_INTERVAL_MS = 1_000;
/**
 * Kafka's transactional.id.expiration.ms default (7 days): an id idle that long with no
 * open transaction is forgotten (tombstoned), so the table does not grow forever.
 */
export const TRANSACTIONAL_ID_EXPIRATION_MS = 7 * 24 * 60 * 60 * 1000;
/** Single node: the coordinator epoch never changes (markers carry it). */
export const COORDINATOR_EPOCH = 0;

export interface ProducerIdAndEpoch {
  errorCode: number;
  producerId: number;
  producerEpoch: number;
}

export interface TopicPartitionsRequest {
  name: string;
  partitions: number[];
}

export type PartitionCodes = {
  name: string;
  partitions: { partition: number; errorCode: number }[];
}[];

/** Told when a transaction's markers are all durable (pending offsets apply or vanish). */
export type CompletionListener = (producerId: number, commit: boolean) => void;

export interface TransactionCoordinatorDeps {
  core: BrokerCore;
  log: TxnStateLog;
  logger: Logger;
  maxTimeoutMs: number;
}

/**
 * KIP-588: PRODUCER_FENCED from these request versions on; older clients only know
 * INVALID_PRODUCER_EPOCH.
 */
export function fencedCode(apiVersion: number, fencedFrom: number): number {
  return apiVersion >= fencedFrom ? ErrorCode.PRODUCER_FENCED : ErrorCode.INVALID_PRODUCER_EPOCH;
}

export class TransactionCoordinator {
  private readonly txns = new Map<string, TxnMetadata>();
  private readonly byProducerId = new Map<number, TxnMetadata>();
  private readonly listeners: CompletionListener[] = [];
  private timer: Timer | null = null;
  private stopped = false;

  constructor(private readonly deps: TransactionCoordinatorDeps) {}

  private get now(): number {
    return this.deps.core.clock.nowMs();
  }

  onCompletion(fn: CompletionListener): void {
    this.listeners.push(fn);
  }

  get(transactionalId: string): TxnMetadata | undefined {
    return this.txns.get(transactionalId);
  }

  all(): IterableIterator<TxnMetadata> {
    return this.txns.values();
  }

  // ------------------------------------------------------------ start-up

  /** Replays the log, then finishes transactions a crash left in Prepare*. */
  async load(): Promise<{ transactionalIds: number; completed: number }> {
    const latest = new Map<string, Uint8Array | null>();
    await this.deps.log.replay((key, value) => {
      try {
        latest.set(decodeTxnLogKey(key), value);
      } catch (err) {
        this.deps.logger.warn("unreadable __transaction_state key skipped", { error: String(err) });
      }
    });
    for (const [id, value] of latest) {
      if (value === null) continue;
      try {
        const meta = fromLogValue(id, decodeTxnLogValue(value));
        this.txns.set(id, meta);
        if (meta.producerId >= 0) this.byProducerId.set(meta.producerId, meta);
      } catch (err) {
        this.deps.logger.warn("unreadable __transaction_state value skipped", {
          transactional_id: id,
          error: String(err),
        });
      }
    }
    let completed = 0;
    for (const meta of this.txns.values()) {
      if (meta.status === TxnStatus.PrepareCommit || meta.status === TxnStatus.PrepareAbort) {
        meta.busy = true;
        const commit = meta.status === TxnStatus.PrepareCommit;
        if ((await this.finish(meta, commit)) === ErrorCode.NONE) completed++;
      }
    }
    return { transactionalIds: this.txns.size, completed };
  }

  /** Starts the timeout sweep. */
  start(): void {
    this.stopped = false;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.deps.core.clock.setTimer(TIMEOUT_CHECK_INTERVAL_MS, () => {
      this.sweep()
        .catch((err) => this.deps.logger.error("transaction sweep failed", { error: String(err) }))
        .finally(() => this.schedule());
    });
  }

  /**
   * Aborts transactions open longer than their timeout (with an epoch bump, fencing the
   * producer, as Kafka does), and retries Prepare* ones whose markers failed.
   */
  async sweep(): Promise<number> {
    const now = this.now;
    const work: Promise<number>[] = [];
    for (const meta of this.txns.values()) {
      if (meta.busy) continue;
      if (meta.status === TxnStatus.Ongoing && meta.startMs + meta.timeoutMs <= now) {
        this.deps.logger.info("aborting timed-out transaction", {
          transactional_id: meta.transactionalId,
          producer_id: meta.producerId,
          epoch: meta.producerEpoch,
        });
        meta.busy = true;
        const epoch = meta.producerEpoch < MAX_EPOCH ? meta.producerEpoch + 1 : meta.producerEpoch;
        work.push(this.complete(meta, false, epoch));
      } else if (
        meta.status === TxnStatus.PrepareCommit ||
        meta.status === TxnStatus.PrepareAbort
      ) {
        meta.busy = true;
        work.push(this.finish(meta, meta.status === TxnStatus.PrepareCommit));
      } else if (
        meta.status !== TxnStatus.Ongoing &&
        meta.lastUpdateMs + TRANSACTIONAL_ID_EXPIRATION_MS <= now
      ) {
        meta.busy = true;
        work.push(this.expire(meta));
      }
    }
    const codes = await Promise.all(work);
    return codes.filter((c) => c === ErrorCode.NONE).length;
  }

  /** Tombstones an idle transactional id; its next InitProducerId starts afresh. */
  private async expire(meta: TxnMetadata): Promise<number> {
    try {
      await this.deps.log.append(meta.transactionalId, encodeTxnLogKey(meta.transactionalId), null);
    } catch (err) {
      meta.busy = false;
      return this.logFailure(meta, err);
    }
    this.txns.delete(meta.transactionalId);
    if (this.byProducerId.get(meta.producerId) === meta) this.byProducerId.delete(meta.producerId);
    this.deps.logger.info("transactional id expired", { transactional_id: meta.transactionalId });
    return ErrorCode.NONE;
  }

  // ------------------------------------------------------------ produce verification

  /** KIP-890: may a transactional batch of (producerId, epoch) go to this partition? */
  verify(producerId: number, epoch: number, topic: string, partition: number): number {
    const meta = this.byProducerId.get(producerId);
    if (!meta || meta.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (epoch !== meta.producerEpoch) return ErrorCode.INVALID_PRODUCER_EPOCH;
    if (meta.status !== TxnStatus.Ongoing || !hasPartition(meta, topic, partition)) {
      return ErrorCode.INVALID_TXN_STATE;
    }
    return ErrorCode.NONE;
  }

  // ------------------------------------------------------------ InitProducerId

  async initProducerId(
    transactionalId: string,
    timeoutMs: number,
    expected: { producerId: number; producerEpoch: number },
    apiVersion: number,
  ): Promise<ProducerIdAndEpoch> {
    const fail = (errorCode: number): ProducerIdAndEpoch => ({
      errorCode,
      producerId: -1,
      producerEpoch: -1,
    });
    if (transactionalId === "") return fail(ErrorCode.INVALID_REQUEST);
    if (timeoutMs <= 0 || timeoutMs > this.deps.maxTimeoutMs) {
      return fail(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    }
    let meta = this.txns.get(transactionalId);
    if (!meta) {
      meta = newMetadata(transactionalId, timeoutMs, this.now);
      this.txns.set(transactionalId, meta);
      const created = meta;
      let producerId: number;
      try {
        producerId = await this.deps.core.allocateProducerId();
      } catch (err) {
        this.txns.delete(transactionalId);
        this.deps.logger.error("producer id allocation failed", { error: String(err) });
        return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
      }
      const next: TxnTransition = {
        ...transitionFrom(created),
        producerId,
        producerEpoch: 0,
        status: TxnStatus.Empty,
        partitions: new Map(),
        lastUpdateMs: this.now,
      };
      const code = await this.persist(created, next);
      if (code !== ErrorCode.NONE) {
        this.txns.delete(transactionalId);
        return fail(code);
      }
      return { errorCode: ErrorCode.NONE, producerId, producerEpoch: 0 };
    }
    if (meta.busy) return fail(ErrorCode.CONCURRENT_TRANSACTIONS);
    // KIP-360: a producer re-initialising names its current id and epoch.
    if (expected.producerId >= 0) {
      const same =
        expected.producerId === meta.producerId && expected.producerEpoch === meta.producerEpoch;
      if (!same) return fail(fencedCode(apiVersion, 4));
    }
    if (meta.status === TxnStatus.PrepareCommit || meta.status === TxnStatus.PrepareAbort) {
      return fail(ErrorCode.CONCURRENT_TRANSACTIONS);
    }
    meta.busy = true;
    const m = meta;
    if (m.status === TxnStatus.Ongoing) {
      // A new instance of the producer: abort what its predecessor left open, with a bumped
      // epoch so the predecessor (a zombie) is fenced from the markers on.
      const epoch = m.producerEpoch < MAX_EPOCH ? m.producerEpoch + 1 : m.producerEpoch;
      m.timeoutMs = timeoutMs;
      const code = await this.complete(m, false, epoch, true);
      if (code !== ErrorCode.NONE) return fail(code);
      m.busy = true;
    }
    const rollover = m.producerEpoch >= MAX_EPOCH;
    let producerId = m.producerId;
    if (rollover) {
      try {
        producerId = await this.deps.core.allocateProducerId();
      } catch (err) {
        m.busy = false;
        this.deps.logger.error("producer id allocation failed", { error: String(err) });
        return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
      }
    }
    const next: TxnTransition = {
      ...transitionFrom(m),
      producerId,
      previousProducerId: rollover ? m.producerId : m.previousProducerId,
      producerEpoch: rollover ? 0 : m.producerEpoch + 1,
      timeoutMs,
      status: TxnStatus.Empty,
      partitions: new Map(),
      startMs: -1,
      lastUpdateMs: this.now,
    };
    const code = await this.persist(m, next);
    if (code !== ErrorCode.NONE) return fail(code);
    return { errorCode: ErrorCode.NONE, producerId: m.producerId, producerEpoch: m.producerEpoch };
  }

  // ------------------------------------------------------------ AddPartitionsToTxn / AddOffsetsToTxn

  /** Checks shared by the calls of an open transaction; NONE when the producer owns it. */
  private checkProducer(
    meta: TxnMetadata | undefined,
    producerId: number,
    epoch: number,
    apiVersion: number,
    fencedFrom: number,
  ): number {
    if (!meta || meta.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (epoch !== meta.producerEpoch) return fencedCode(apiVersion, fencedFrom);
    if (meta.busy) return ErrorCode.CONCURRENT_TRANSACTIONS;
    if (meta.status === TxnStatus.PrepareCommit || meta.status === TxnStatus.PrepareAbort) {
      return ErrorCode.CONCURRENT_TRANSACTIONS;
    }
    return ErrorCode.NONE;
  }

  /**
   * Adds partitions to the producer's transaction (starting one if none is open); every
   * partition gets the same code. Callers have already weeded out unknown partitions.
   */
  async addPartitions(
    transactionalId: string,
    producerId: number,
    epoch: number,
    topics: readonly TopicPartitionsRequest[],
    apiVersion: number,
  ): Promise<number> {
    const meta = this.txns.get(transactionalId);
    const check = this.checkProducer(meta, producerId, epoch, apiVersion, 2);
    if (check !== ErrorCode.NONE || !meta) return check;
    const open = meta.status === TxnStatus.Ongoing;
    if (open && topics.every((t) => t.partitions.every((p) => hasPartition(meta, t.name, p)))) {
      return ErrorCode.NONE;
    }
    const partitions = new Map<string, Set<number>>();
    if (open) for (const [t, ps] of meta.partitions) partitions.set(t, new Set(ps));
    for (const t of topics) {
      let set = partitions.get(t.name);
      if (!set) {
        set = new Set();
        partitions.set(t.name, set);
      }
      for (const p of t.partitions) set.add(p);
    }
    const now = this.now;
    meta.busy = true;
    return this.persist(meta, {
      ...transitionFrom(meta),
      status: TxnStatus.Ongoing,
      partitions,
      startMs: open ? meta.startMs : now,
      lastUpdateMs: now,
    });
  }

  /** AddPartitionsToTxn v4+ verify-only: is each partition already in the transaction? */
  verifyPartitions(
    transactionalId: string,
    producerId: number,
    epoch: number,
    topics: readonly TopicPartitionsRequest[],
  ): PartitionCodes {
    const meta = this.txns.get(transactionalId);
    const base =
      !meta || meta.producerId !== producerId
        ? ErrorCode.INVALID_PRODUCER_ID_MAPPING
        : epoch !== meta.producerEpoch
          ? ErrorCode.PRODUCER_FENCED
          : ErrorCode.NONE;
    return topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((partition) => ({
        partition,
        errorCode:
          base !== ErrorCode.NONE
            ? base
            : meta?.status === TxnStatus.Ongoing && hasPartition(meta, t.name, partition)
              ? ErrorCode.NONE
              : ErrorCode.INVALID_TXN_STATE,
      })),
    }));
  }

  /** TxnOffsetCommit: may this producer write offsets to `offsetsPartition` now? */
  checkOffsetCommit(
    transactionalId: string,
    producerId: number,
    epoch: number,
    offsetsTopic: string,
    offsetsPartition: number,
    apiVersion: number,
  ): number {
    const meta = this.txns.get(transactionalId);
    if (!meta || meta.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (epoch !== meta.producerEpoch) return fencedCode(apiVersion, 3);
    if (meta.status === TxnStatus.PrepareCommit || meta.status === TxnStatus.PrepareAbort) {
      return ErrorCode.CONCURRENT_TRANSACTIONS;
    }
    if (meta.status !== TxnStatus.Ongoing || !hasPartition(meta, offsetsTopic, offsetsPartition)) {
      return ErrorCode.INVALID_TXN_STATE;
    }
    return ErrorCode.NONE;
  }

  // ------------------------------------------------------------ EndTxn

  async endTxn(
    transactionalId: string,
    producerId: number,
    epoch: number,
    commit: boolean,
    apiVersion: number,
  ): Promise<number> {
    const meta = this.txns.get(transactionalId);
    if (!meta || meta.producerId !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (epoch !== meta.producerEpoch) return fencedCode(apiVersion, 2);
    if (meta.busy) return ErrorCode.CONCURRENT_TRANSACTIONS;
    switch (meta.status) {
      case TxnStatus.Ongoing:
        meta.busy = true;
        return this.complete(meta, commit, meta.producerEpoch);
      case TxnStatus.CompleteCommit:
        // A retried EndTxn whose first answer was lost.
        return commit ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE;
      case TxnStatus.CompleteAbort:
        return commit ? ErrorCode.INVALID_TXN_STATE : ErrorCode.NONE;
      case TxnStatus.PrepareCommit:
      case TxnStatus.PrepareAbort:
        return ErrorCode.CONCURRENT_TRANSACTIONS;
      default:
        return ErrorCode.INVALID_TXN_STATE;
    }
  }

  // ------------------------------------------------------------ completion

  /**
   * Prepare → markers → Complete, for a `busy` Ongoing transaction. `keepBusy` leaves it
   * busy afterwards (InitProducerId continues with its own write).
   */
  private async complete(
    meta: TxnMetadata,
    commit: boolean,
    epoch: number,
    keepBusy = false,
  ): Promise<number> {
    const code = await this.persist(
      meta,
      {
        ...transitionFrom(meta),
        producerEpoch: epoch,
        status: commit ? TxnStatus.PrepareCommit : TxnStatus.PrepareAbort,
        lastUpdateMs: this.now,
      },
      true,
    );
    if (code !== ErrorCode.NONE) {
      meta.busy = false;
      return code;
    }
    const done = await this.finish(meta, commit, keepBusy);
    // The decision is durable: a marker failure is retried by the sweep, not the client's.
    return done === ErrorCode.NONE || !keepBusy ? ErrorCode.NONE : done;
  }

  /** Markers on every partition of a Prepare* transaction, then its Complete* record. */
  private async finish(meta: TxnMetadata, commit: boolean, keepBusy = false): Promise<number> {
    const now = this.now;
    const writes: Promise<number>[] = [];
    for (const [topic, ps] of meta.partitions) {
      for (const index of ps) {
        const partition = this.deps.core.partition(topic, index);
        if (!partition) continue; // deleted since: nothing left to mark
        writes.push(
          writeTxnMarker(
            partition,
            {
              producerId: meta.producerId,
              producerEpoch: meta.producerEpoch,
              commit,
              coordinatorEpoch: COORDINATOR_EPOCH,
            },
            now,
          ),
        );
      }
    }
    const codes = await Promise.all(writes);
    const failed = codes.find(
      (c) => c !== ErrorCode.NONE && c !== ErrorCode.INVALID_PRODUCER_EPOCH,
    );
    if (failed !== undefined) {
      this.deps.logger.warn("transaction markers failed; will retry", {
        transactional_id: meta.transactionalId,
        error_code: failed,
      });
      meta.busy = false;
      return failed;
    }
    for (const fn of this.listeners) fn(meta.producerId, commit);
    return this.persist(
      meta,
      {
        ...transitionFrom(meta),
        status: commit ? TxnStatus.CompleteCommit : TxnStatus.CompleteAbort,
        partitions: new Map(),
        lastUpdateMs: this.now,
      },
      keepBusy,
    );
  }

  /**
   * Writes the record for `next` and applies it once durable. The caller marked the
   * metadata busy synchronously; it stays busy when `keepBusy`.
   */
  private async persist(meta: TxnMetadata, next: TxnTransition, keepBusy = false): Promise<number> {
    let written: Promise<void>;
    try {
      written = this.deps.log.append(
        meta.transactionalId,
        encodeTxnLogKey(meta.transactionalId),
        encodeTxnLogValue(toLogValue(next)),
      );
    } catch (err) {
      meta.busy = false;
      return this.logFailure(meta, err);
    }
    try {
      await written;
    } catch (err) {
      meta.busy = false;
      return this.logFailure(meta, err);
    }
    if (meta.producerId !== next.producerId && this.byProducerId.get(meta.producerId) === meta) {
      this.byProducerId.delete(meta.producerId);
    }
    applyTransition(meta, next);
    this.byProducerId.set(meta.producerId, meta);
    meta.busy = keepBusy;
    return ErrorCode.NONE;
  }

  private logFailure(meta: TxnMetadata, err: unknown): number {
    this.deps.logger.warn("__transaction_state append failed", {
      transactional_id: meta.transactionalId,
      error: String(err),
    });
    return err instanceof CoordinatorLogError ? err.errorCode : ErrorCode.COORDINATOR_NOT_AVAILABLE;
  }
}
