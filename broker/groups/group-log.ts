/**
 * Where the group coordinator keeps its state: the compacted internal topic
 * `__consumer_offsets`, one record per key (records.ts). The coordinator sees it through
 * `GroupLog`, so unit tests run the real state machines over an in-memory log and the
 * broker runs them over its partitions (`CoreGroupLog`).
 */
import type { BrokerCore } from "../core/broker-core.ts";
import { type InternalRecord, InternalTopic } from "../core/internal-topic.ts";
import { type HeldRecord, replayTransactionalBatch } from "../transactions/replay-filter.ts";

export const OFFSETS_TOPIC = "__consumer_offsets";

export type GroupRecord = InternalRecord;

export interface GroupLog {
  /** Partitions of the offsets topic; groups hash onto them (partitioner.ts). */
  readonly partitionCount: number;
  /** Appends records to one partition; resolves once they are durable. Rejects with CoordinatorLogError. */
  append(partition: number, records: readonly GroupRecord[]): Promise<void>;
  /** Replays one partition from its start, in offset order. */
  replay(
    partition: number,
    onRecord: (key: Uint8Array, value: Uint8Array | null) => void,
  ): Promise<void>;
}

/** The offsets topic over the broker's own partitions (created on first start). */
export class CoreGroupLog implements GroupLog {
  private constructor(private readonly topic: InternalTopic) {}

  get partitionCount(): number {
    return this.topic.partitionCount;
  }

  static async open(core: BrokerCore, partitions: number): Promise<CoreGroupLog> {
    return new CoreGroupLog(await InternalTopic.open(core, OFFSETS_TOPIC, partitions));
  }

  append(partition: number, records: readonly GroupRecord[]): Promise<void> {
    return this.topic.append(partition, records);
  }

  replay(
    partition: number,
    onRecord: (key: Uint8Array, value: Uint8Array | null) => void,
  ): Promise<void> {
    const held = new Map<number, HeldRecord[]>();
    return this.topic.forEachBatch(partition, (batch, from) => {
      if (batch.header.isTransactional || batch.header.isControl) {
        // Transactional offset commits count at their COMMIT marker (broker/transactions/).
        replayTransactionalBatch(batch, from, held, onRecord);
        return;
      }
      for (const r of batch.records) {
        if (r.offset < from || r.key === null) continue;
        onRecord(r.key, r.value);
      }
    });
  }
}
