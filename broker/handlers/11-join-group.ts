/**
 * JoinGroup (key 11), v0–v9: classic group membership — member-id-required round trip
 * (v4+, KIP-394), static members (v5+, KIP-345), protocol type/name in the answer (v7+),
 * skip-assignment for a replaced static leader (v9). The answer waits until the
 * rebalance completes (broker/groups/classic.ts).
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { ApiKey } from "../../protocol/messages/generated/apis.ts";
import { groupCoordinatorOf } from "../groups/attach.ts";
import { joinError } from "../groups/classic.ts";
import type { JoinResult } from "../groups/classic-group.ts";
import { clientHostOf } from "./group-common.ts";
import { defineHandler } from "./registry.ts";

export const joinGroupHandler = defineHandler({
  apiKey: ApiKey.JoinGroup,
  minVersion: 0,
  maxVersion: 9,
  async handle(ctx, request) {
    const coordinator = groupCoordinatorOf(ctx.core);
    const v = ctx.apiVersion;
    const toWire = (r: JoinResult) => ({
      throttleTimeMs: 0,
      errorCode: r.errorCode,
      generationId: r.generationId,
      protocolType: v >= 7 ? r.protocolType : null,
      // Before v7 the field is a non-nullable string.
      protocolName: v >= 7 ? r.protocolName : (r.protocolName ?? ""),
      leader: r.leader,
      skipAssignment: v >= 9 ? r.skipAssignment : false,
      memberId: r.memberId,
      members: r.members.map((m) => ({
        memberId: m.memberId,
        groupInstanceId: v >= 5 ? m.groupInstanceId : null,
        metadata: m.metadata,
      })),
    });
    if (!coordinator)
      return toWire(joinError(request.memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
    const result = await coordinator.joinGroup({
      groupId: request.groupId,
      memberId: request.memberId,
      groupInstanceId: request.groupInstanceId,
      sessionTimeoutMs: request.sessionTimeoutMs,
      rebalanceTimeoutMs: v >= 1 ? request.rebalanceTimeoutMs : -1,
      protocolType: request.protocolType,
      protocols: request.protocols.map((p) => ({ name: p.name, metadata: p.metadata.slice() })),
      clientId: ctx.clientId ?? "",
      clientHost: clientHostOf(ctx.connection.remote),
      apiVersion: v,
    });
    return toWire(result);
  },
});
