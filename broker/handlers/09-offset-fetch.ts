/**
 * OffsetFetch (key 9), v0–v9: committed offsets of one group (v0–v7) or several (v8+),
 * all of them when topics is null (v2+), with leader epochs (v5+). require_stable (v7+)
 * does not wait: a partition with an undecided transactional commit answers
 * UNSTABLE_OFFSET_COMMIT (retriable; broker/transactions/). v9 checks a KIP-848 member's
 * epoch (STALE_MEMBER_EPOCH).
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { ApiKey } from "../../protocol/messages/generated/apis.ts";
import { groupCoordinatorOf } from "../groups/attach.ts";
import type { FetchedGroup } from "../groups/coordinator.ts";
import { markUnstable } from "../transactions/attach.ts";
import { defineHandler } from "./registry.ts";

export const offsetFetchHandler = defineHandler({
  apiKey: ApiKey.OffsetFetch,
  minVersion: 0,
  maxVersion: 9,
  handle(ctx, request) {
    const v = ctx.apiVersion;
    const coordinator = groupCoordinatorOf(ctx.core);
    const fetch = (
      groupId: string,
      topics: { name: string; partitionIndexes: number[] }[] | null,
      member: { memberId: string | null; memberEpoch: number } | null,
    ): FetchedGroup => {
      const wanted =
        topics === null
          ? null
          : topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes }));
      if (!coordinator) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, topics: [] };
      const fetched = coordinator.fetchOffsets(groupId, wanted, member);
      // v7+ require_stable: an undecided transactional commit is UNSTABLE_OFFSET_COMMIT.
      return request.requireStable ? markUnstable(ctx.core, groupId, fetched) : fetched;
    };
    const partitionsOf = (g: FetchedGroup, t: FetchedGroup["topics"][number]) =>
      t.partitions.map((p) => ({
        partitionIndex: p.partition,
        committedOffset: BigInt(p.offset),
        committedLeaderEpoch: v >= 5 ? p.leaderEpoch : -1,
        metadata: p.metadata,
        // v0–v1 have no group-level error: it goes on every partition.
        errorCode: v < 2 && g.errorCode !== ErrorCode.NONE ? g.errorCode : p.errorCode,
      }));
    if (v >= 8) {
      return {
        throttleTimeMs: 0,
        groups: request.groups.map((g) => {
          const r = fetch(
            g.groupId,
            g.topics,
            v >= 9 ? { memberId: g.memberId, memberEpoch: g.memberEpoch } : null,
          );
          return {
            groupId: g.groupId,
            errorCode: r.errorCode,
            topics: r.topics.map((t) => ({ name: t.name, partitions: partitionsOf(r, t) })),
          };
        }),
      };
    }
    // v0–v1 always name their topics; null means "all" only from v2.
    const r = fetch(request.groupId, v < 2 ? (request.topics ?? []) : request.topics, null);
    return {
      throttleTimeMs: 0,
      errorCode: v >= 2 ? r.errorCode : ErrorCode.NONE,
      topics: r.topics.map((t) => ({ name: t.name, partitions: partitionsOf(r, t) })),
    };
  },
});
