/**
 * DeleteGroups (key 42), v0–v2: removes empty groups and their committed offsets
 * (tombstones in __consumer_offsets, durable before the answer). Live groups answer
 * NON_EMPTY_GROUP, unknown ones GROUP_ID_NOT_FOUND.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { ApiKey } from "../../protocol/messages/generated/apis.ts";
import { groupCoordinatorOf } from "../groups/attach.ts";
import { defineHandler } from "./registry.ts";

export const deleteGroupsHandler = defineHandler({
  apiKey: ApiKey.DeleteGroups,
  minVersion: 0,
  maxVersion: 2,
  async handle(ctx, request) {
    const coordinator = groupCoordinatorOf(ctx.core);
    const codes = coordinator
      ? await coordinator.deleteGroups(request.groupsNames)
      : request.groupsNames.map(() => ErrorCode.COORDINATOR_NOT_AVAILABLE);
    return {
      throttleTimeMs: 0,
      results: request.groupsNames.map((groupId, i) => ({ groupId, errorCode: codes[i]! })),
    };
  },
});
