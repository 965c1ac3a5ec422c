/**
 * DescribeProducers (key 61), v0 (KIP-664): the idempotent producers each partition
 * remembers, with epoch, last sequence and last timestamp. Leaves out: transactions
 * (coordinator epoch and current transaction start are always -1).
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
        const activeProducers = [...p.producers.all()].map((e) => ({
          producerId: BigInt(e.producerId),
          producerEpoch: e.epoch,
          lastSequence: e.batches[e.batches.length - 1]?.lastSeq ?? -1,
          lastTimestamp: BigInt(e.lastTimestampMs),
          coordinatorEpoch: -1,
          currentTxnStartOffset: -1n,
        }));
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
