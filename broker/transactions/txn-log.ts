/**
 * Where the transaction coordinator keeps its state: the compacted internal topic
 * `__transaction_state` (records.ts), one record per transactional id, hashed onto a
 * partition as Kafka does (`Utils.abs(transactionalId.hashCode()) % partitions`).
 */
import type { BrokerCore } from "../core/broker-core.ts";
import { InternalTopic } from "../core/internal-topic.ts";
import { partitionForGroup } from "../groups/partitioner.ts";

export const TXN_STATE_TOPIC = "__transaction_state";
/** Kafka's transaction.state.log.num.partitions default: ids hash the same way. */
export const TXN_STATE_PARTITIONS = 50;

export interface TxnStateLog {
  readonly partitionCount: number;
  /** Appends one record; resolves once durable, rejects with CoordinatorLogError. Call synchronously. */
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
  private constructor(private readonly topic: InternalTopic) {}

  get partitionCount(): number {
    return this.topic.partitionCount;
  }

  static async open(core: BrokerCore): Promise<CoreTxnStateLog> {
    return new CoreTxnStateLog(
      await InternalTopic.open(core, TXN_STATE_TOPIC, TXN_STATE_PARTITIONS),
    );
  }

  append(transactionalId: string, key: Uint8Array, value: Uint8Array | null): Promise<void> {
    const partition = partitionForTransactionalId(transactionalId, this.partitionCount);
    return this.topic.append(partition, [{ key, value }]);
  }

  async replay(onRecord: (key: Uint8Array, value: Uint8Array | null) => void): Promise<void> {
    for (let p = 0; p < this.partitionCount; p++) {
      await this.topic.forEachBatch(p, (batch, from) => {
        if (batch.header.isControl) return;
        for (const r of batch.records) {
          if (r.offset < from || r.key === null) continue;
          onRecord(r.key, r.value);
        }
      });
    }
  }
}
