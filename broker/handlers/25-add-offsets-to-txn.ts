/**
 * AddOffsetsToTxn (key 25), v0–v4: adds the group's `__consumer_offsets` partition to
 * the producer's transaction, so TxnOffsetCommit may write there and the transaction's
 * markers reach it. Leaves out: nothing for a single node.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { ApiKey } from "../../protocol/messages/generated/apis.ts";
import { OFFSETS_TOPIC } from "../groups/group-log.ts";
import { partitionForGroup } from "../groups/partitioner.ts";
import { transactionsOf } from "../transactions/attach.ts";
import { defineHandler } from "./registry.ts";

export const addOffsetsToTxnHandler = defineHandler({
  apiKey: ApiKey.AddOffsetsToTxn,
  minVersion: 0,
  maxVersion: 4,
  async handle(ctx, request) {
    const txns = transactionsOf(ctx.core);
    const offsets = ctx.core.topic(OFFSETS_TOPIC);
    if (!txns || !offsets) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
    }
    if (request.groupId === "") return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_GROUP_ID };
    const partition = partitionForGroup(request.groupId, offsets.partitions.length);
    const errorCode = await txns.coordinator.addPartitions(
      request.transactionalId,
      Number(request.producerId),
      request.producerEpoch,
      [{ name: OFFSETS_TOPIC, partitions: [partition] }],
      ctx.apiVersion,
    );
    return { throttleTimeMs: 0, errorCode };
  },
});
