/**
 * DescribeProducers (key 61), v0 (KIP-664): the idempotent producers each partition
 * remembers, with epoch, last sequence and last timestamp, and for a producer with an open
 * transaction on the partition its first offset (current_txn_start_offset) and the
 * coordinator epoch (0: one node). Others have -1 for both.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { ApiKey } from "../../protocol/messages/generated/apis.ts";
import { defineHandler } from "./registry.ts";

export const describeProducersHandler = defineHandler({
  apiKey: ApiKey.DescribeProducers,
  minVersion: 0,
  maxVersion: 0,
  handle(ctx, request) {
    const topics = request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitionIndexes.map((index) => {
        const p = ctx.core.partition(t.name, index);
        if (!p) {
          return {
            partitionIndex: index,
            errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
            errorMessage: null,
            activeProducers: [],
          };
        }
        const activeProducers = [...p.producers.all()].map((e) => {
          const txn = p.producers.openTxn(e.producerId);
          const open = txn !== undefined && txn.markerOffset === null;
          return {
            producerId: BigInt(e.producerId),
            producerEpoch: e.epoch,
            lastSequence: e.batches[e.batches.length - 1]?.lastSeq ?? -1,
            lastTimestamp: BigInt(e.lastTimestampMs),
            coordinatorEpoch: open ? 0 : -1,
            currentTxnStartOffset: open ? BigInt(txn.firstOffset) : -1n,
          };
        });
        return {
          partitionIndex: index,
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          activeProducers,
        };
      }),
    }));
    return { throttleTimeMs: 0, topics };
  },
});
