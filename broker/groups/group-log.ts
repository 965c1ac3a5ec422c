/**
 * Where the group coordinator keeps its state: the compacted internal topic
 * `__consumer_offsets`, one record per key (records.ts). The coordinator sees it through
 * `GroupLog`, so unit tests run the real state machines over an in-memory log and the
 * broker runs them over its partitions (`CoreGroupLog`).
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { buildRecordBatch, decodeRecordBatch } from "../../protocol/records/batch.ts";
import type { Clock } from "../../storage/clock.ts";
import { toOffset } from "../../storage/offset.ts";
import type { BrokerCore } from "../core/broker-core.ts";
import { appendToPartition, type PartitionAppendResult } from "../core/produce.ts";
import { type HeldRecord, replayTransactionalBatch } from "../transactions/replay-filter.ts";

export const OFFSETS_TOPIC = "__consumer_offsets";

export interface GroupRecord {
  key: Uint8Array;
  /** null: tombstone. */
  value: Uint8Array | null;
}

export class GroupLogError extends Error {
  constructor(
    message: string,
    /** Kafka error code to answer with (COORDINATOR_NOT_AVAILABLE, KAFKA_STORAGE_ERROR…). */
    readonly errorCode: number,
  ) {
    super(message);
    this.name = "GroupLogError";
  }
}

export interface GroupLog {
  /** Partitions of the offsets topic; groups hash onto them (partitioner.ts). */
  readonly partitionCount: number;
  /** Appends records to one partition; resolves once they are durable. Rejects with GroupLogError. */
  append(partition: number, records: readonly GroupRecord[]): Promise<void>;
  /** Replays one partition from its start, in offset order. */
  replay(
    partition: number,
    onRecord: (key: Uint8Array, value: Uint8Array | null) => void,
  ): Promise<void>;
}

/** Offsets-topic segments: Kafka's offsets.topic.segment.bytes default (100 MiB). */
const OFFSETS_SEGMENT_BYTES = 100 * 1024 * 1024;

/** The offsets topic over the broker's own partitions (created on first start). */
export class CoreGroupLog implements GroupLog {
  private constructor(
    private readonly core: BrokerCore,
    private readonly clock: Clock,
    readonly partitionCount: number,
  ) {}

  /**
   * Opens the topic, creating it with `partitions` partitions if missing. An existing
   * topic keeps its partition count: groups were hashed with it.
   */
  static async open(core: BrokerCore, partitions: number): Promise<CoreGroupLog> {
    let topic = core.topic(OFFSETS_TOPIC);
    if (!topic) {
      const created = await core.createTopic(OFFSETS_TOPIC, partitions, 1, {
        "cleanup.policy": "compact",
        "segment.bytes": String(OFFSETS_SEGMENT_BYTES),
        "compression.type": "producer",
      });
      if (created.error !== null) {
        throw new Error(`cannot create ${OFFSETS_TOPIC}: ${created.error} ${created.message}`);
      }
      topic = created.topic;
    }
    if (!topic) throw new Error(`${OFFSETS_TOPIC} is missing after creation`);
    return new CoreGroupLog(core, core.clock, topic.partitions.length);
  }

  /** Called synchronously by the coordinator, so appends take offsets in call order. */
  append(partition: number, records: readonly GroupRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    const state = this.core.partition(OFFSETS_TOPIC, partition);
    if (!state) {
      return Promise.reject(
        new GroupLogError(
          `${OFFSETS_TOPIC}-${partition} is missing`,
          ErrorCode.COORDINATOR_NOT_AVAILABLE,
        ),
      );
    }
    const now = this.clock.nowMs();
    const batch = buildRecordBatch({
      records: records.map((r) => ({ key: r.key, value: r.value, timestamp: now })),
    });
    const outcome = appendToPartition(state, batch, "sync", now);
    const check = (result: PartitionAppendResult): void => {
      if (result.errorCode !== ErrorCode.NONE) {
        // Kafka maps log failures on its coordinator partitions to retriable coordinator errors.
        throw new GroupLogError(
          `append to ${OFFSETS_TOPIC}-${partition}: ${result.errorMessage ?? result.errorCode}`,
          ErrorCode.COORDINATOR_NOT_AVAILABLE,
        );
      }
    };
    if (outcome instanceof Promise) return outcome.then(check);
    try {
      check(outcome);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async replay(
    partition: number,
    onRecord: (key: Uint8Array, value: Uint8Array | null) => void,
  ): Promise<void> {
    const state = this.core.partition(OFFSETS_TOPIC, partition);
    if (!state) return;
    const log = state.log;
    let from = log.logStartOffset() as number;
    const end = log.logEndOffset() as number;
    const held = new Map<number, HeldRecord[]>();
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
        if (batch.header.isTransactional || batch.header.isControl) {
          // Transactional offset commits count at their COMMIT marker (broker/transactions/).
          replayTransactionalBatch(batch, from, held, onRecord);
          continue;
        }
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
