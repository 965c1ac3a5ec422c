/**
 * One transactional id's state in the coordinator (Kafka's TransactionMetadata), and its
 * conversion to and from the `__transaction_state` value.
 */
import { type TxnLogValue, TxnStatus, type TxnStatusId } from "./records.ts";

export interface TxnMetadata {
  readonly transactionalId: string;
  producerId: number;
  /** The producer id before the last id rollover (epoch exhaustion); -1 when none. */
  previousProducerId: number;
  producerEpoch: number;
  timeoutMs: number;
  status: TxnStatusId;
  /** Partitions of the open transaction: topic → partition indexes. */
  partitions: Map<string, Set<number>>;
  startMs: number;
  lastUpdateMs: number;
  /**
   * An operation is between its checks and its durable record (or writing markers):
   * others answer CONCURRENT_TRANSACTIONS, as Kafka does for a pending state.
   */
  busy: boolean;
}

/** Largest usable epoch: Kafka rolls to a new producer id rather than reach Short.MAX. */
export const MAX_EPOCH = 32766;

export function newMetadata(
  transactionalId: string,
  timeoutMs: number,
  nowMs: number,
): TxnMetadata {
  return {
    transactionalId,
    producerId: -1,
    previousProducerId: -1,
    producerEpoch: -1,
    timeoutMs,
    status: TxnStatus.Empty,
    partitions: new Map(),
    startMs: -1,
    lastUpdateMs: nowMs,
    busy: true,
  };
}

/** What a state change will make the metadata (applied after the record is durable). */
export interface TxnTransition {
  producerId: number;
  previousProducerId: number;
  producerEpoch: number;
  timeoutMs: number;
  status: TxnStatusId;
  partitions: Map<string, Set<number>>;
  startMs: number;
  lastUpdateMs: number;
}

export function transitionFrom(m: TxnMetadata): TxnTransition {
  return {
    producerId: m.producerId,
    previousProducerId: m.previousProducerId,
    producerEpoch: m.producerEpoch,
    timeoutMs: m.timeoutMs,
    status: m.status,
    partitions: m.partitions,
    startMs: m.startMs,
    lastUpdateMs: m.lastUpdateMs,
  };
}

export function applyTransition(m: TxnMetadata, t: TxnTransition): void {
  m.producerId = t.producerId;
  m.previousProducerId = t.previousProducerId;
  m.producerEpoch = t.producerEpoch;
  m.timeoutMs = t.timeoutMs;
  m.status = t.status;
  m.partitions = t.partitions;
  m.startMs = t.startMs;
  m.lastUpdateMs = t.lastUpdateMs;
}

export function toLogValue(t: TxnTransition): TxnLogValue {
  return {
    producerId: t.producerId,
    previousProducerId: t.previousProducerId,
    nextProducerId: -1,
    producerEpoch: t.producerEpoch,
    transactionTimeoutMs: t.timeoutMs,
    status: t.status,
    partitions: [...t.partitions]
      .filter(([, ps]) => ps.size > 0)
      .map(([topic, ps]) => ({ topic, partitionIds: [...ps].sort((a, b) => a - b) })),
    lastUpdateTimestampMs: t.lastUpdateMs,
    startTimestampMs: t.startMs,
  };
}

export function fromLogValue(transactionalId: string, v: TxnLogValue): TxnMetadata {
  const partitions = new Map<string, Set<number>>();
  for (const t of v.partitions) partitions.set(t.topic, new Set(t.partitionIds));
  return {
    transactionalId,
    producerId: v.producerId,
    previousProducerId: v.previousProducerId,
    producerEpoch: v.producerEpoch,
    timeoutMs: v.transactionTimeoutMs,
    status: v.status,
    partitions,
    startMs: v.startTimestampMs,
    lastUpdateMs: v.lastUpdateTimestampMs,
    busy: false,
  };
}

export function hasPartition(
  m: { partitions: Map<string, Set<number>> },
  topic: string,
  p: number,
): boolean {
  return m.partitions.get(topic)?.has(p) ?? false;
}

export function partitionCount(m: { partitions: Map<string, Set<number>> }): number {
  let n = 0;
  for (const ps of m.partitions.values()) n += ps.size;
  return n;
}
