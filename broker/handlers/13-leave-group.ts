/**
 * LeaveGroup (key 13), v0–v5: one member (v0–v2) or a batch identified by member id or
 * group instance id (v3+, KIP-345), each answered on its own.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { ApiKey } from "../../protocol/messages/generated/apis.ts";
import { groupCoordinatorOf } from "../groups/attach.ts";
import { defineHandler } from "./registry.ts";

export const leaveGroupHandler = defineHandler({
  apiKey: ApiKey.LeaveGroup,
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, request) {
    const coordinator = groupCoordinatorOf(ctx.core);
    const batched = ctx.apiVersion >= 3;
    const members = batched
      ? request.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId }))
      : [{ memberId: request.memberId, groupInstanceId: null }];
    if (!coordinator)
      return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] };
    const r = coordinator.leaveGroup(request.groupId, members);
    if (!batched) {
      return {
        throttleTimeMs: 0,
        errorCode: r.errorCode !== ErrorCode.NONE ? r.errorCode : (r.members[0] ?? ErrorCode.NONE),
      };
    }
    return {
      throttleTimeMs: 0,
      errorCode: r.errorCode,
      members:
        r.errorCode !== ErrorCode.NONE
          ? []
          : members.map((m, i) => ({
              memberId: m.memberId,
              groupInstanceId: m.groupInstanceId,
              errorCode: r.members[i]!,
            })),
    };
  },
});
