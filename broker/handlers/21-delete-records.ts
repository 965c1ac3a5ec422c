/**
 * DeleteRecords (key 21), v0–v2: moves a partition's log start forward (offset -1 means
 * the high watermark); the new low watermark is answered. An offset past the high
 * watermark is OFFSET_OUT_OF_RANGE. Leaves out: the timeout (synchronous).
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { ApiKey } from "../../protocol/messages/generated/apis.ts";
import { isStorageError, kafkaErrorCodeOf } from "../../storage/errors.ts";
import { toOffset } from "../../storage/offset.ts";
import { defineHandler } from "./registry.ts";

export const deleteRecordsHandler = defineHandler({
  apiKey: ApiKey.DeleteRecords,
  minVersion: 0,
  maxVersion: 2,
  async handle(ctx, request) {
    const topics = [];
    for (const t of request.topics) {
      const partitions = [];
      for (const req of t.partitions) {
        const p = ctx.core.partition(t.name, req.partitionIndex);
        if (!p) {
          partitions.push({
            partitionIndex: req.partitionIndex,
            lowWatermark: -1n,
            errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          });
          continue;
        }
        const hw = p.log.highWatermark() as number;
        const target = req.offset === -1n ? hw : Number(req.offset);
        if (target < 0 || target > hw) {
          partitions.push({
            partitionIndex: req.partitionIndex,
            lowWatermark: -1n,
            errorCode: ErrorCode.OFFSET_OUT_OF_RANGE,
          });
          continue;
        }
        try {
          const start =
            target <= (p.log.logStartOffset() as number)
              ? p.log.logStartOffset()
              : await p.log.deleteRecordsBefore(toOffset(target));
          partitions.push({
            partitionIndex: req.partitionIndex,
            lowWatermark: BigInt(start),
            errorCode: ErrorCode.NONE,
          });
        } catch (err) {
          if (!isStorageError(err)) throw err;
          partitions.push({
            partitionIndex: req.partitionIndex,
            lowWatermark: -1n,
            errorCode: kafkaErrorCodeOf(err.code),
          });
        }
      }
      topics.push({ name: t.name, partitions });
    }
    return { throttleTimeMs: 0, topics };
  },
});
