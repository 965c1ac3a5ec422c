/**
 * A compacted internal topic that a coordinator keeps its state in (`__consumer_offsets`,
 * `__transaction_state`): created on first start, appended to durably (acks=all
 * semantics, so a coordinator answers only after its record is on disk), and replayed
 * batch by batch at start-up.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import {
  buildRecordBatch,
  type DecodedBatch,
  decodeRecordBatch,
} from "../../protocol/records/batch.ts";
import { toOffset } from "../../storage/offset.ts";
import type { BrokerCore } from "./broker-core.ts";
import type { PartitionState } from "./partition.ts";
import { appendToPartition, type PartitionAppendResult } from "./produce.ts";

/** A coordinator's state could not be written; answer the client with `errorCode`. */
export class CoordinatorLogError extends Error {
  override readonly name = "CoordinatorLogError";
  constructor(
    message: string,
    /** Kafka error code to answer with (COORDINATOR_NOT_AVAILABLE, KAFKA_STORAGE_ERROR…). */
    readonly errorCode: number,
  ) {
    super(message);
  }
}

export interface InternalRecord {
  key: Uint8Array;
  /** null: tombstone. */
  value: Uint8Array | null;
}

/** Kafka's offsets/transaction state segment.bytes default (100 MiB). */
const INTERNAL_SEGMENT_BYTES = 100 * 1024 * 1024;
/** Bytes read per step while replaying. */
const REPLAY_READ_BYTES = 4 * 1024 * 1024;

export class InternalTopic {
  private constructor(
    private readonly core: BrokerCore,
    readonly name: string,
    readonly partitionCount: number,
  ) {}

  /**
   * Opens the topic, creating it with `partitions` partitions if missing. An existing
   * topic keeps its partition count: keys were hashed onto it.
   */
  static async open(core: BrokerCore, name: string, partitions: number): Promise<InternalTopic> {
    let topic = core.topic(name);
    if (!topic) {
      const created = await core.createTopic(name, partitions, 1, {
        "cleanup.policy": "compact",
        "segment.bytes": String(INTERNAL_SEGMENT_BYTES),
        "compression.type": "producer",
      });
      if (created.error !== null) {
        throw new Error(`cannot create ${name}: ${created.error} ${created.message}`);
      }
      topic = created.topic;
    }
    if (!topic) throw new Error(`${name} is missing after creation`);
    return new InternalTopic(core, name, topic.partitions.length);
  }

  /**
   * Appends records to one partition as one batch; resolves once durable, rejects with
   * CoordinatorLogError. Call synchronously from the state change, so appends take
   * offsets in call order.
   */
  append(partition: number, records: readonly InternalRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    const state = this.core.partition(this.name, partition);
    if (!state) {
      return Promise.reject(
        new CoordinatorLogError(
          `${this.name}-${partition} is missing`,
          ErrorCode.COORDINATOR_NOT_AVAILABLE,
        ),
      );
    }
    const now = this.core.clock.nowMs();
    const batch = buildRecordBatch({
      records: records.map((r) => ({ key: r.key, value: r.value, timestamp: now })),
    });
    const check = (result: PartitionAppendResult): void => {
      if (result.errorCode !== ErrorCode.NONE) {
        // Kafka maps log failures on coordinator partitions to retriable coordinator errors.
        throw new CoordinatorLogError(
          `append to ${this.name}-${partition}: ${result.errorMessage ?? result.errorCode}`,
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

  /** Replays one partition from its start in offset order (see `replayPartition`). */
  async forEachBatch(
    partition: number,
    onBatch: (batch: DecodedBatch, from: number) => void,
  ): Promise<void> {
    const state = this.core.partition(this.name, partition);
    if (state) await replayPartition(state, onBatch);
  }
}

/**
 * Decodes every batch of a partition from its log start to its current end, in offset
 * order. `from` is the offset the enclosing read started at: a batch may begin before
 * it, and its earlier records were seen already.
 */
export async function replayPartition(
  state: PartitionState,
  onBatch: (batch: DecodedBatch, from: number) => void,
): Promise<void> {
  const log = state.log;
  let from = log.logStartOffset() as number;
  const end = log.logEndOffset() as number;
  while (from < end) {
    const { records } = await log.read(toOffset(from), REPLAY_READ_BYTES, {
      maxOffset: toOffset(end),
    });
    if (records.length === 0) break;
    let next = from;
    let pos = 0;
    while (pos < records.length) {
      const batch = decodeRecordBatch(records, pos);
      pos += batch.size;
      next = batch.header.nextOffset;
      onBatch(batch, from);
    }
    if (next <= from) break;
    from = next;
  }
}
