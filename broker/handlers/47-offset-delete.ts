/**
 * OffsetDelete (key 47), v0: deletes a group's committed offsets for partitions of
 * topics no member subscribes to (GROUP_SUBSCRIBED_TO_TOPIC otherwise). Unknown group:
 * GROUP_ID_NOT_FOUND; a live group of a non-consumer protocol: NON_EMPTY_GROUP.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { ApiKey } from "../../protocol/messages/generated/apis.ts";
import { groupCoordinatorOf } from "../groups/attach.ts";
import { defineHandler } from "./registry.ts";

export const offsetDeleteHandler = defineHandler({
  apiKey: ApiKey.OffsetDelete,
  minVersion: 0,
  maxVersion: 0,
  async handle(ctx, request) {
    const coordinator = groupCoordinatorOf(ctx.core);
    if (!coordinator)
      return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, throttleTimeMs: 0, topics: [] };
    const r = await coordinator.deleteOffsets(
      request.groupId,
      request.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => p.partitionIndex),
      })),
    );
    return {
      errorCode: r.errorCode,
      throttleTimeMs: 0,
      topics: r.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partition,
          errorCode: p.errorCode,
        })),
      })),
    };
  },
});
