/**
 * The record formats of `__transaction_state`, byte for byte as Kafka's transaction
 * coordinator writes them (transaction-coordinator/src/main/resources/common/message/
 * TransactionLogKey.json and TransactionLogValue.json):
 *
 * - key: version int16 (0) | transactional_id string
 * - value v0: version int16 (0) | producer_id int64 | producer_epoch int16 |
 *   transaction_timeout_ms int32 | transaction_status int8 |
 *   transaction_partitions nullable [topic string, partition_ids [int32]] |
 *   transaction_last_update_timestamp_ms int64 | transaction_start_timestamp_ms int64
 * - value v1 (flexible): the same with compact strings/arrays and tagged fields
 *   previous_producer_id (0), next_producer_id (1), client_transaction_version (2).
 *
 * We write v0 (readable by every Kafka version) and read both. A null value is a
 * tombstone (expired transactional id). Decoders are total: bad bytes throw ProtocolError.
 */
import { ProtocolError } from "../../protocol/codec/errors.ts";
import { Reader } from "../../protocol/codec/reader.ts";
import { Writer } from "../../protocol/codec/writer.ts";

/** Kafka's TransactionState ids, as stored in transaction_status. */
export const TxnStatus = {
  Empty: 0,
  Ongoing: 1,
  PrepareCommit: 2,
  PrepareAbort: 3,
  CompleteCommit: 4,
  CompleteAbort: 5,
  Dead: 6,
  PrepareEpochFence: 7,
} as const;
export type TxnStatusId = (typeof TxnStatus)[keyof typeof TxnStatus];

/** Names DescribeTransactions/ListTransactions use (Kafka's TransactionState.name). */
export const TXN_STATUS_NAMES: Record<TxnStatusId, string> = {
  0: "Empty",
  1: "Ongoing",
  2: "PrepareCommit",
  3: "PrepareAbort",
  4: "CompleteCommit",
  5: "CompleteAbort",
  6: "Dead",
  7: "PrepareEpochFence",
};

export interface TxnTopicPartitions {
  topic: string;
  partitionIds: number[];
}

export interface TxnLogValue {
  producerId: number;
  /** v1 tagged field; -1 when absent. */
  previousProducerId: number;
  /** v1 tagged field; -1 when absent. */
  nextProducerId: number;
  producerEpoch: number;
  transactionTimeoutMs: number;
  status: TxnStatusId;
  partitions: TxnTopicPartitions[];
  lastUpdateTimestampMs: number;
  startTimestampMs: number;
}

export function encodeTxnLogKey(transactionalId: string): Uint8Array {
  const w = new Writer(8 + transactionalId.length * 3);
  w.int16(0);
  w.string(transactionalId);
  return w.finish();
}

export function decodeTxnLogKey(bytes: Uint8Array): string {
  const r = new Reader(bytes);
  const version = r.int16();
  if (version !== 0)
    throw new ProtocolError("invalid_value", `TransactionLogKey version ${version}`);
  return r.string();
}

export function encodeTxnLogValue(v: TxnLogValue): Uint8Array {
  const w = new Writer(64);
  w.int16(0);
  w.int64(BigInt(v.producerId));
  w.int16(v.producerEpoch);
  w.int32(v.transactionTimeoutMs);
  w.int8(v.status);
  w.arrayLength(false, v.partitions.length);
  for (const t of v.partitions) {
    w.string(t.topic);
    w.arrayLength(false, t.partitionIds.length);
    for (const p of t.partitionIds) w.int32(p);
  }
  w.int64(BigInt(v.lastUpdateTimestampMs));
  w.int64(BigInt(v.startTimestampMs));
  return w.finish();
}

export function decodeTxnLogValue(bytes: Uint8Array): TxnLogValue {
  const r = new Reader(bytes);
  const version = r.int16();
  if (version !== 0 && version !== 1) {
    throw new ProtocolError("invalid_value", `TransactionLogValue version ${version}`);
  }
  const flex = version >= 1;
  const producerId = Number(r.int64());
  const producerEpoch = r.int16();
  const transactionTimeoutMs = r.int32();
  const status = r.int8();
  if (status < 0 || status > 7) {
    throw new ProtocolError("invalid_value", `transaction status ${status}`);
  }
  const partitions: TxnTopicPartitions[] = [];
  const n = r.arrayLength(flex, 2);
  for (let i = 0; i < n; i++) {
    const topic = flex ? r.compactString() : r.string();
    const m = r.arrayLength(flex, 4);
    const partitionIds: number[] = [];
    for (let j = 0; j < m; j++) partitionIds.push(r.int32());
    if (flex) skipTags(r);
    partitions.push({ topic, partitionIds });
  }
  const lastUpdateTimestampMs = Number(r.int64());
  const startTimestampMs = Number(r.int64());
  let previousProducerId = -1;
  let nextProducerId = -1;
  if (flex) {
    const count = r.taggedFieldCount();
    for (let i = 0; i < count; i++) {
      const tag = r.uvarint();
      const end = r.taggedFieldEnd();
      if (tag === 0) previousProducerId = Number(r.int64());
      else if (tag === 1) nextProducerId = Number(r.int64());
      else r.offset = end;
      r.endTaggedField(end);
    }
  }
  return {
    producerId,
    previousProducerId,
    nextProducerId,
    producerEpoch,
    transactionTimeoutMs,
    status: status as TxnStatusId,
    partitions,
    lastUpdateTimestampMs,
    startTimestampMs,
  };
}

function skipTags(r: Reader): void {
  const count = r.taggedFieldCount();
  for (let i = 0; i < count; i++) {
    r.uvarint();
    r.offset = r.taggedFieldEnd();
  }
}
