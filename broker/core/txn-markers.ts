/**
 * The broker side of a transaction's end (KIP-98): appending a COMMIT or ABORT control
 * batch to one partition, closing the producer's transaction there, and recording an
 * abort in the aborted-transaction index. Also the coordinators' own transactional
 * appends (TxnOffsetCommit records in `__consumer_offsets`), which carry no sequence.
 *
 * Order that keeps read_committed fetches right: the marker is appended (offset assigned
 * synchronously) while its transaction keeps holding the last stable offset; once the
 * marker is durable the abort (if any) is recorded in the index, then the transaction
 * lets go of the LSO and the high watermark moves past the marker.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { buildControlBatch, ControlType } from "../../protocol/records/control.ts";
import { isStorageError, kafkaErrorCodeOf } from "../../storage/errors.ts";
import { toOffset } from "../../storage/offset.ts";
import type { PartitionState } from "./partition.ts";
import type { OpenTxn } from "./producer-state.ts";

export interface TxnMarker {
  producerId: number;
  producerEpoch: number;
  commit: boolean;
  coordinatorEpoch: number;
}

/** Writes one marker; resolves with a Kafka error code once it is durable (or failed). */
export function writeTxnMarker(
  partition: PartitionState,
  marker: TxnMarker,
  nowMs: number,
): Promise<number> {
  const log = partition.log;
  if (log.isOffline()) return Promise.resolve(ErrorCode.KAFKA_STORAGE_ERROR);
  const entry = partition.producers.get(marker.producerId);
  if (entry && marker.producerEpoch < entry.epoch) {
    return Promise.resolve(ErrorCode.INVALID_PRODUCER_EPOCH);
  }
  const batch = buildControlBatch({
    producerId: marker.producerId,
    producerEpoch: marker.producerEpoch,
    type: marker.commit ? ControlType.commit : ControlType.abort,
    coordinatorEpoch: marker.coordinatorEpoch,
    timestamp: nowMs,
  });
  const markerOffset = log.logEndOffset() as number;
  const txn = partition.producers.closeTxn(
    marker.producerId,
    marker.producerEpoch,
    markerOffset,
    nowMs,
  );
  let appended: ReturnType<typeof log.append>;
  try {
    appended = log.append(batch, {
      assignOffsets: true,
      leaderEpoch: partition.leaderEpoch,
      durability: "sync",
    });
  } catch (err) {
    return Promise.resolve(storageCode(err));
  }
  return appended.then(
    async (result) => {
      // Offsets are assigned in call order: the marker is where closeTxn was told it is.
      if ((result.firstOffset as number) !== markerOffset) {
        throw new Error(`marker landed at ${result.firstOffset}, expected ${markerOffset}`);
      }
      if (txn && !marker.commit) {
        const others = otherFirstOffset(partition, txn);
        await log.recordAbortedTransaction({
          producerId: marker.producerId,
          firstOffset: toOffset(txn.firstOffset),
          lastOffset: result.firstOffset,
          lastStableOffset: toOffset(Math.min(others, (result.firstOffset as number) + 1)),
        });
      }
      if (txn) partition.producers.releaseTxn(txn);
      partition.noteUnstable();
      partition.advanceHighWatermark((result.lastOffset as number) + 1);
      // The LSO may have moved without the HW moving (another append got there first).
      partition.wakeAll();
      return ErrorCode.NONE;
    },
    (err) => storageCode(err),
  );
}

function otherFirstOffset(partition: PartitionState, closing: OpenTxn): number {
  let min = Number.MAX_SAFE_INTEGER;
  for (const t of partition.producers.openTxns()) {
    if (t !== closing && t.firstOffset < min) min = t.firstOffset;
  }
  return min;
}

/**
 * Appends a coordinator-built transactional batch (no sequence numbers, as Kafka's
 * coordinators write them), opening the producer's transaction on the partition.
 * Resolves with a Kafka error code once durable.
 */
export function appendTransactionalBatch(
  partition: PartitionState,
  batch: Uint8Array,
  producerId: number,
  producerEpoch: number,
  count: number,
  nowMs: number,
): Promise<number> {
  const log = partition.log;
  if (log.isOffline()) return Promise.resolve(ErrorCode.KAFKA_STORAGE_ERROR);
  const entry = partition.producers.get(producerId);
  if (entry && producerEpoch < entry.epoch) return Promise.resolve(ErrorCode.PRODUCER_FENCED);
  const firstOffset = log.logEndOffset() as number;
  partition.producers.record(
    { producerId, epoch: producerEpoch, firstSeq: -1, count },
    firstOffset,
    nowMs,
    true,
  );
  partition.noteUnstable();
  let appended: ReturnType<typeof log.append>;
  try {
    appended = log.append(batch, {
      assignOffsets: true,
      leaderEpoch: partition.leaderEpoch,
      durability: "sync",
    });
  } catch (err) {
    return Promise.resolve(storageCode(err));
  }
  return appended.then(
    (result) => {
      partition.advanceHighWatermark((result.lastOffset as number) + 1);
      return ErrorCode.NONE;
    },
    (err) => storageCode(err),
  );
}

function storageCode(err: unknown): number {
  if (isStorageError(err)) return kafkaErrorCodeOf(err.code);
  throw err;
}
