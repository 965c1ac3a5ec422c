/**
 * ConsumerGroupDescribe (key 69), v0: KIP-848 groups with epochs, members, their current
 * and target assignments. A classic or unknown group answers GROUP_ID_NOT_FOUND.
 * Authorized operations are not computed.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { ApiKey } from "../../protocol/messages/generated/apis.ts";
import { DEFAULT_ASSIGNOR } from "../groups/assignors.ts";
import { groupCoordinatorOf } from "../groups/attach.ts";
import { toTopicPartitions } from "../groups/consumer-group.ts";
import { AUTHORIZED_OPERATIONS_OMITTED } from "./group-common.ts";
import { defineHandler } from "./registry.ts";

export const consumerGroupDescribeHandler = defineHandler({
  apiKey: ApiKey.ConsumerGroupDescribe,
  minVersion: 0,
  maxVersion: 0,
  handle(ctx, request) {
    const coordinator = groupCoordinatorOf(ctx.core);
    const catalog = ctx.core;
    const named = (a: Map<string, Set<number>>) => ({
      topicPartitions: toTopicPartitions(a).map((tp) => ({
        topicId: tp.topicId,
        topicName: catalog.topicById(tp.topicId)?.meta.name ?? "",
        partitions: tp.partitions,
      })),
    });
    return {
      throttleTimeMs: 0,
      groups: request.groupIds.map((groupId) => {
        const notFound = (errorCode: number, errorMessage: string) => ({
          errorCode,
          errorMessage,
          groupId,
          groupState: "",
          groupEpoch: -1,
          assignmentEpoch: -1,
          assignorName: "",
          members: [],
          authorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
        });
        if (!coordinator)
          return notFound(
            ErrorCode.COORDINATOR_NOT_AVAILABLE,
            "the group coordinator is not running",
          );
        if (groupId === "") return notFound(ErrorCode.INVALID_GROUP_ID, "group id is empty");
        const g = coordinator.group(groupId);
        if (g?.type !== "consumer")
          return notFound(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${groupId} not found.`);
        const assignors = [...g.members.values()]
          .map((m) => m.serverAssignor)
          .filter((a) => a !== null);
        return {
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          groupId,
          groupState: g.stateName(),
          groupEpoch: g.groupEpoch,
          assignmentEpoch: g.assignmentEpoch,
          assignorName: assignors[0] ?? DEFAULT_ASSIGNOR,
          members: [...g.members.values()].map((m) => ({
            memberId: m.memberId,
            instanceId: m.instanceId,
            rackId: m.rackId,
            memberEpoch: m.memberEpoch,
            clientId: m.clientId,
            clientHost: m.clientHost,
            subscribedTopicNames: m.subscribedTopicNames,
            subscribedTopicRegex: m.subscribedTopicRegex,
            assignment: named(m.assigned),
            targetAssignment: named(g.target.get(m.memberId) ?? new Map()),
          })),
          authorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
        };
      }),
    };
  },
});
