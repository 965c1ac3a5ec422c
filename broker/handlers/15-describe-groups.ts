/**
 * DescribeGroups (key 15), v0–v5: classic groups with members, their metadata and
 * assignments. Unknown groups and KIP-848 consumer groups read as "Dead" with no error,
 * as Kafka answers before v6. Authorized operations (v3+) are not computed.
 */

import { ErrorCode } from "../../protocol/errors.ts";
import { ApiKey } from "../../protocol/messages/generated/apis.ts";
import { groupCoordinatorOf } from "../groups/attach.ts";
import { AUTHORIZED_OPERATIONS_OMITTED } from "./group-common.ts";
import { defineHandler } from "./registry.ts";

export const describeGroupsHandler = defineHandler({
  apiKey: ApiKey.DescribeGroups,
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, request) {
    const coordinator = groupCoordinatorOf(ctx.core);
    return {
      throttleTimeMs: 0,
      groups: request.groups.map((groupId) => {
        if (!coordinator) {
          return {
            groupId,
            errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
            groupState: "",
            protocolType: "",
            protocolData: "",
            members: [],
            authorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
          };
        }
        const g = coordinator.describeClassicGroup(groupId);
        return {
          errorCode: g.errorCode,
          groupId,
          groupState: g.state,
          protocolType: g.protocolType,
          protocolData: g.protocol,
          members: g.members.map((m) => ({
            memberId: m.memberId,
            groupInstanceId: ctx.apiVersion >= 4 ? m.groupInstanceId : null,
            clientId: m.clientId,
            clientHost: m.clientHost,
            memberMetadata: m.metadata,
            memberAssignment: m.assignment,
          })),
          authorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
        };
      }),
    };
  },
});
