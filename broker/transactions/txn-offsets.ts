/**
 * Transactional offset commits (TxnOffsetCommit, KIP-98): written at once to the group's
 * `__consumer_offsets` partition as a transactional batch of ordinary OffsetCommit
 * records (Kafka's layout: producer id and epoch, no sequence), and kept here as pending
 * until the transaction's marker: COMMIT applies them to the group coordinator's offset
 * table, ABORT drops them. While pending, OffsetFetch with require_stable answers
 * UNSTABLE_OFFSET_COMMIT for those partitions.
 *
 * Restart: `load` rescans `__consumer_offsets` for transactional batches without a
 * marker yet, so a transaction the coordinator completes after a crash still applies its
 * offsets. (The group loader itself applies only committed transactional records.)
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { buildRecordBatch } from "../../protocol/records/batch.ts";
import type { BrokerCore } from "../core/broker-core.ts";
import { replayPartition } from "../core/internal-topic.ts";
import { appendTransactionalBatch } from "../core/txn-markers.ts";
import { ClassicGroup } from "../groups/classic-group.ts";
import type { GroupCoordinator } from "../groups/coordinator.ts";
import { OFFSETS_TOPIC } from "../groups/group-log.ts";
import {
  decodeKey,
  decodeOffsetCommitValue,
  encodeKey,
  encodeOffsetCommitValue,
  type OffsetCommitValue,
  RecordType,
} from "../groups/records.ts";

export interface PendingOffset {
  group: string;
  topic: string;
  partition: number;
  value: OffsetCommitValue;
}

export class PendingTxnOffsets {
  /** producer id → "group\0topic\0partition" → offset (later commits in a txn win). */
  private readonly byProducer = new Map<number, Map<string, PendingOffset>>();
  /** "group\0topic\0partition" → producers with a pending offset there. */
  private readonly pendingKeys = new Map<string, Set<number>>();

  add(producerId: number, offsets: readonly PendingOffset[]): void {
    let mine = this.byProducer.get(producerId);
    if (!mine) {
      mine = new Map();
      this.byProducer.set(producerId, mine);
    }
    for (const o of offsets) {
      const k = keyOf(o.group, o.topic, o.partition);
      mine.set(k, o);
      let owners = this.pendingKeys.get(k);
      if (!owners) {
        owners = new Set();
        this.pendingKeys.set(k, owners);
      }
      owners.add(producerId);
    }
  }

  isPending(group: string, topic: string, partition: number): boolean {
    return (this.pendingKeys.get(keyOf(group, topic, partition))?.size ?? 0) > 0;
  }

  /** Removes and returns the producer's pending offsets. */
  take(producerId: number): PendingOffset[] {
    const mine = this.byProducer.get(producerId);
    if (!mine) return [];
    this.byProducer.delete(producerId);
    for (const k of mine.keys()) {
      const owners = this.pendingKeys.get(k);
      owners?.delete(producerId);
      if (owners?.size === 0) this.pendingKeys.delete(k);
    }
    return [...mine.values()];
  }

  get size(): number {
    return this.byProducer.size;
  }

  /** Start-up: the transactional offset commits of `__consumer_offsets` with no marker yet. */
  async load(core: BrokerCore): Promise<number> {
    const topic = core.topic(OFFSETS_TOPIC);
    if (!topic) return 0;
    for (const state of topic.partitions) {
      const open = new Map<number, PendingOffset[]>();
      await replayPartition(state, (batch) => {
        const h = batch.header;
        if (!h.isTransactional) return;
        if (h.isControl) {
          open.delete(h.producerId);
          return;
        }
        const list = open.get(h.producerId) ?? [];
        for (const r of batch.records) {
          if (r.key === null || r.value === null) continue;
          const key = decodeKey(r.key);
          if (key?.type !== RecordType.OffsetCommit) continue;
          list.push({
            group: key.group,
            topic: key.topic,
            partition: key.partition,
            value: decodeOffsetCommitValue(r.value),
          });
        }
        open.set(h.producerId, list);
      });
      for (const [pid, list] of open) this.add(pid, list);
    }
    return this.size;
  }
}

function keyOf(group: string, topic: string, partition: number): string {
  return `${group}\u0000${topic}\u0000${partition}`;
}

/**
 * Appends a TxnOffsetCommit's records to the group's `__consumer_offsets` partition and
 * marks them pending once durable. Resolves with a Kafka error code.
 */
export async function writeTxnOffsets(
  core: BrokerCore,
  pending: PendingTxnOffsets,
  offsetsPartition: number,
  producerId: number,
  producerEpoch: number,
  offsets: readonly PendingOffset[],
): Promise<number> {
  const partition = core.partition(OFFSETS_TOPIC, offsetsPartition);
  if (!partition) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  if (offsets.length === 0) return ErrorCode.NONE;
  const now = core.clock.nowMs();
  const batch = buildRecordBatch({
    producerId,
    producerEpoch,
    baseSequence: -1,
    transactional: true,
    records: offsets.map((o) => ({
      key: encodeKey({
        type: RecordType.OffsetCommit,
        group: o.group,
        topic: o.topic,
        partition: o.partition,
      }),
      value: encodeOffsetCommitValue(o.value),
      timestamp: now,
    })),
  });
  const code = await appendTransactionalBatch(
    partition,
    batch,
    producerId,
    producerEpoch,
    offsets.length,
    now,
  );
  if (code === ErrorCode.NONE) pending.add(producerId, offsets);
  return code === ErrorCode.KAFKA_STORAGE_ERROR ? ErrorCode.COORDINATOR_NOT_AVAILABLE : code;
}

/** COMMIT: the producer's pending offsets become the groups' committed offsets. */
export function applyPendingOffsets(
  groups: GroupCoordinator | undefined,
  pending: PendingTxnOffsets,
  producerId: number,
  commit: boolean,
  nowMs: number,
): number {
  const offsets = pending.take(producerId);
  if (!commit || !groups) return 0;
  for (const o of offsets) {
    if (!groups.ctx.groups.has(o.group)) {
      // As a simple consumer's commit does, an offset creates an empty group.
      groups.ctx.groups.set(o.group, new ClassicGroup(o.group, nowMs));
    }
    groups.ctx.offsets.set(o.group, o.topic, o.partition, o.value);
  }
  return offsets.length;
}
