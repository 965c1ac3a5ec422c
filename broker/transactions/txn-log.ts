/**
 * Where the transaction coordinator keeps its state: the compacted internal topic
 * `__transaction_state` (records.ts), one record per transactional id, hashed onto a
 * partition as Kafka does (`Utils.abs(transactionalId.hashCode()) % partitions`).
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { buildRecordBatch, decodeRecordBatch } from "../../protocol/records/batch.ts";
import { toOffset } from "../../storage/offset.ts";
import type { BrokerCore } from "../core/broker-core.ts";
import { appendToPartition, type PartitionAppendResult } from "../core/produce.ts";
import { partitionForGroup } from "../groups/partitioner.ts";

export const TXN_STATE_TOPIC = "__transaction_state";
/** Kafka's transaction.state.log.num.partitions default: ids hash the same way. */
export const TXN_STATE_PARTITIONS = 50;
/** Kafka's transaction.state.log.segment.bytes default (100 MiB). */
const SEGMENT_BYTES = 100 * 1024 * 1024;

export class TxnLogError extends Error {
  override readonly name = "TxnLogError";
  constructor(
    message: string,
    readonly errorCode: number,
  ) {
    super(message);
  }
}

export interface TxnStateLog {
  readonly partitionCount: number;
  /** Appends one record; resolves once durable, rejects with TxnLogError. Call synchronously. */
  append(transactionalId: string, key: Uint8Array, value: Uint8Array | null): Promise<void>;
  /** Replays every partition from its start, in offset order per partition. */
  replay(onRecord: (key: Uint8Array, value: Uint8Array | null) => void): Promise<void>;
}

export function partitionForTransactionalId(id: string, partitions: number): number {
  // Same function as groups: Utils.abs(String.hashCode) % partitions.
  return partitionForGroup(id, partitions);
}

/** `__transaction_state` over the broker's own partitions (created on first start). */
export class CoreTxnStateLog implements TxnStateLog {
  private constructor(
    private readonly core: BrokerCore,
    readonly partitionCount: number,
  ) {}

  static async open(core: BrokerCore): Promise<CoreTxnStateLog> {
    let topic = core.topic(TXN_STATE_TOPIC);
    if (!topic) {
      const created = await core.createTopic(TXN_STATE_TOPIC, TXN_STATE_PARTITIONS, 1, {
        "cleanup.policy": "compact",
        "segment.bytes": String(SEGMENT_BYTES),
        "compression.type": "producer",
      });
      if (created.error !== null) {
        throw new Error(`cannot create ${TXN_STATE_TOPIC}: ${created.error} ${created.message}`);
      }
      topic = created.topic;
    }
    if (!topic) throw new Error(`${TXN_STATE_TOPIC} is missing after creation`);
    return new CoreTxnStateLog(core, topic.partitions.length);
  }

  append(transactionalId: string, key: Uint8Array, value: Uint8Array | null): Promise<void> {
    const index = partitionForTransactionalId(transactionalId, this.partitionCount);
    const state = this.core.partition(TXN_STATE_TOPIC, index);
    if (!state) {
      return Promise.reject(
        new TxnLogError(
          `${TXN_STATE_TOPIC}-${index} is missing`,
          ErrorCode.COORDINATOR_NOT_AVAILABLE,
        ),
      );
    }
    const now = this.core.clock.nowMs();
    const batch = buildRecordBatch({ records: [{ key, value, timestamp: now }] });
    const check = (r: PartitionAppendResult): void => {
      if (r.errorCode !== ErrorCode.NONE) {
        throw new TxnLogError(
          `append to ${TXN_STATE_TOPIC}-${index}: ${r.errorMessage ?? r.errorCode}`,
          ErrorCode.COORDINATOR_NOT_AVAILABLE,
        );
      }
    };
    const outcome = appendToPartition(state, batch, "sync", now);
    if (outcome instanceof Promise) return outcome.then(check);
    try {
      check(outcome);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async replay(onRecord: (key: Uint8Array, value: Uint8Array | null) => void): Promise<void> {
    for (let p = 0; p < this.partitionCount; p++) {
      const state = this.core.partition(TXN_STATE_TOPIC, p);
      if (!state) continue;
      const log = state.log;
      let from = log.logStartOffset() as number;
      const end = log.logEndOffset() as number;
      while (from < end) {
        const { records } = await log.read(toOffset(from), 4 * 1024 * 1024, {
          maxOffset: toOffset(end),
        });
        if (records.length === 0) break;
        let next = from;
        let pos = 0;
        while (pos < records.length) {
          const batch = decodeRecordBatch(records, pos);
          pos += batch.size;
          next = batch.header.nextOffset;
          if (batch.header.isControl) continue;
          for (const r of batch.records) {
            if (r.offset < from || r.key === null) continue;
            onRecord(r.key, r.value);
          }
        }
        if (next <= from) break;
        from = next;
      }
    }
  }
}
