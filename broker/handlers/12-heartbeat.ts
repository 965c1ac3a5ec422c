/**
 * Heartbeat (key 12), v0–v4: keeps a classic member's session alive and tells it when a
 * rebalance started (REBALANCE_IN_PROGRESS). Static members (v3+) are checked by
 * instance id (FENCED_INSTANCE_ID).
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { ApiKey } from "../../protocol/messages/generated/apis.ts";
import { groupCoordinatorOf } from "../groups/attach.ts";
import { defineHandler } from "./registry.ts";

export const heartbeatHandler = defineHandler({
  apiKey: ApiKey.Heartbeat,
  minVersion: 0,
  maxVersion: 4,
  handle(ctx, request) {
    const coordinator = groupCoordinatorOf(ctx.core);
    const errorCode = coordinator
      ? coordinator.heartbeat(
          request.groupId,
          request.memberId,
          ctx.apiVersion >= 3 ? request.groupInstanceId : null,
          request.generationId,
        )
      : ErrorCode.COORDINATOR_NOT_AVAILABLE;
    return { throttleTimeMs: 0, errorCode };
  },
});
