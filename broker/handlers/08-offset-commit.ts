/**
 * OffsetCommit (key 8), v0–v9: offsets are durable in __consumer_offsets before the
 * answer. Classic groups are checked by generation and member id (admin commits with
 * generation -1 to an empty group are allowed); KIP-848 groups by member epoch (v9).
 * v1's per-partition commit timestamp and v2–v4's retention time are kept (the latter
 * as an explicit expire time, OffsetCommitValue v1, as Kafka does).
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { ApiKey } from "../../protocol/messages/generated/apis.ts";
import { groupCoordinatorOf } from "../groups/attach.ts";
import { defineHandler } from "./registry.ts";

export const offsetCommitHandler = defineHandler({
  apiKey: ApiKey.OffsetCommit,
  minVersion: 0,
  maxVersion: 9,
  async handle(ctx, request) {
    const v = ctx.apiVersion;
    const coordinator = groupCoordinatorOf(ctx.core);
    const topics = request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partition: p.partitionIndex,
        offset: Number(p.committedOffset),
        leaderEpoch: v >= 6 ? p.committedLeaderEpoch : -1,
        metadata: p.committedMetadata,
        commitTimestamp: v === 1 ? Number(p.commitTimestamp) : -1,
      })),
    }));
    const result = coordinator
      ? await coordinator.commitOffsets({
          groupId: request.groupId,
          generationIdOrMemberEpoch: v >= 1 ? request.generationIdOrMemberEpoch : -1,
          memberId: v >= 1 ? request.memberId : "",
          groupInstanceId: v >= 7 ? request.groupInstanceId : null,
          retentionTimeMs: v >= 2 && v <= 4 ? Number(request.retentionTimeMs) : -1,
          topics,
          apiVersion: v,
        })
      : topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({
            partition: p.partition,
            errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
          })),
        }));
    return {
      throttleTimeMs: 0,
      topics: result.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partition,
          errorCode: p.errorCode,
        })),
      })),
    };
  },
});
