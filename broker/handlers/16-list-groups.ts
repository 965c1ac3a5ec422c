/**
 * ListGroups (key 16), v0–v5: every group this node coordinates, with its state (v4+)
 * and type (v5+, "classic" or "consumer"); both filters match case-insensitively.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { ApiKey } from "../../protocol/messages/generated/apis.ts";
import { groupCoordinatorOf } from "../groups/attach.ts";
import { defineHandler } from "./registry.ts";

export const listGroupsHandler = defineHandler({
  apiKey: ApiKey.ListGroups,
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, request) {
    const v = ctx.apiVersion;
    const coordinator = groupCoordinatorOf(ctx.core);
    if (!coordinator)
      return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, groups: [] };
    const groups = coordinator.listGroups(
      v >= 4 ? request.statesFilter : [],
      v >= 5 ? request.typesFilter : [],
    );
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      groups: groups.map((g) => ({
        groupId: g.groupId,
        protocolType: g.protocolType,
        groupState: v >= 4 ? g.state : "",
        groupType: v >= 5 ? g.type : "",
      })),
    };
  },
});
