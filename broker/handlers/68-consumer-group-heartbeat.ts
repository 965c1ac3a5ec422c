/**
 * ConsumerGroupHeartbeat (key 68), v0–v1: the KIP-848 consumer protocol — join (epoch
 * 0), heartbeat, leave (-1) and static leave (-2), with server-side assignment
 * (broker/groups/consumer.ts). v1 adds the subscription regex and client-chosen member ids.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { ApiKey } from "../../protocol/messages/generated/apis.ts";
import { groupCoordinatorOf } from "../groups/attach.ts";
import { clientHostOf } from "./group-common.ts";
import { defineHandler } from "./registry.ts";

export const consumerGroupHeartbeatHandler = defineHandler({
  apiKey: ApiKey.ConsumerGroupHeartbeat,
  minVersion: 0,
  maxVersion: 1,
  async handle(ctx, request) {
    const coordinator = groupCoordinatorOf(ctx.core);
    if (!coordinator) {
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
        memberEpoch: -1,
        heartbeatIntervalMs: 0,
      };
    }
    const r = await coordinator.consumerHeartbeat({
      groupId: request.groupId,
      memberId: request.memberId,
      memberEpoch: request.memberEpoch,
      instanceId: request.instanceId,
      rackId: request.rackId,
      rebalanceTimeoutMs: request.rebalanceTimeoutMs,
      subscribedTopicNames: request.subscribedTopicNames,
      subscribedTopicRegex: ctx.apiVersion >= 1 ? request.subscribedTopicRegex : null,
      serverAssignor: request.serverAssignor,
      topicPartitions: request.topicPartitions,
      clientId: ctx.clientId ?? "",
      clientHost: clientHostOf(ctx.connection.remote),
      apiVersion: ctx.apiVersion,
    });
    return {
      throttleTimeMs: 0,
      errorCode: r.errorCode,
      errorMessage: r.errorMessage,
      memberId: r.memberId,
      memberEpoch: r.memberEpoch,
      heartbeatIntervalMs: r.heartbeatIntervalMs,
      assignment: r.assignment === null ? null : { topicPartitions: r.assignment },
    };
  },
});
