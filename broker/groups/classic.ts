/**
 * The classic group protocol's transitions (Kafka's GroupMetadataManager classic paths).
 * Each entry point decides and changes state synchronously; responses that depend on a
 * write to `__consumer_offsets` are completed after the write is durable.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { CoordinatorLogError } from "../core/internal-topic.ts";
import {
  ClassicGroup,
  ClassicMember,
  type ClassicProtocol,
  EMPTY_BYTES,
  type JoinResult,
  type SyncResult,
} from "./classic-group.ts";
import { type GroupContext, randomUuidString, writeGroupRecords } from "./context.ts";
import type { GroupRecord } from "./group-log.ts";
import { encodeGroupMetadataValue, encodeKey, RecordType } from "./records.ts";

export interface JoinRequest {
  groupId: string;
  memberId: string;
  groupInstanceId: string | null;
  sessionTimeoutMs: number;
  /** -1 (v0) means: same as the session timeout. */
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: ClassicProtocol[];
  clientId: string;
  clientHost: string;
  apiVersion: number;
}

export interface SyncRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string | null;
  protocolName: string | null;
  assignments: { memberId: string; assignment: Uint8Array }[];
}

export function joinError(memberId: string, errorCode: number): JoinResult {
  return {
    errorCode,
    generationId: -1,
    protocolType: null,
    protocolName: null,
    leader: "",
    skipAssignment: false,
    memberId,
    members: [],
  };
}

export function syncError(errorCode: number): SyncResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY_BYTES };
}

// ---------------------------------------------------------------- JoinGroup

export function joinClassicGroup(
  ctx: GroupContext,
  group: ClassicGroup,
  req: JoinRequest,
): Promise<JoinResult> {
  return new Promise((resolve) => {
    // An immediate answer, or null: parked until the rebalance completes.
    const now =
      req.memberId === ""
        ? joinNewMember(ctx, group, req, resolve)
        : joinExistingMember(ctx, group, req, resolve);
    if (now !== null) resolve(now);
  });
}

function joinNewMember(
  ctx: GroupContext,
  group: ClassicGroup,
  req: JoinRequest,
  respond: (r: JoinResult) => void,
): JoinResult | null {
  if (group.state === "Dead") return joinError("", ErrorCode.COORDINATOR_NOT_AVAILABLE);
  if (!group.supportsProtocols(req.protocolType, req.protocols)) {
    return joinError("", ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  }
  const instanceId = req.groupInstanceId;
  const staticOld = instanceId !== null ? group.staticMembers.get(instanceId) : undefined;
  if (staticOld === undefined && group.members.size >= ctx.settings.maxGroupSize) {
    return joinError("", ErrorCode.GROUP_MAX_SIZE_REACHED);
  }
  const newMemberId = `${instanceId ?? req.clientId}-${randomUuidString(ctx)}`;
  if (instanceId !== null) {
    if (staticOld !== undefined)
      return replaceStaticMember(ctx, group, staticOld, newMemberId, req, respond);
    return addMemberAndRebalance(ctx, group, newMemberId, req, respond);
  }
  if (req.apiVersion >= 4) {
    // KIP-394: hand out the id first, so a client that times out retries with it.
    const timer = ctx.clock.setTimer(req.sessionTimeoutMs, () => {
      if (group.pendingMembers.delete(newMemberId)) maybeCompleteJoin(ctx, group);
    });
    group.pendingMembers.set(newMemberId, timer);
    return joinError(newMemberId, ErrorCode.MEMBER_ID_REQUIRED);
  }
  return addMemberAndRebalance(ctx, group, newMemberId, req, respond);
}

function joinExistingMember(
  ctx: GroupContext,
  group: ClassicGroup,
  req: JoinRequest,
  respond: (r: JoinResult) => void,
): JoinResult | null {
  const memberId = req.memberId;
  if (group.state === "Dead") return joinError(memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE);
  if (!group.supportsProtocols(req.protocolType, req.protocols)) {
    return joinError(memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  }
  const pending = group.pendingMembers.get(memberId);
  if (pending !== undefined) {
    pending.cancel();
    group.pendingMembers.delete(memberId);
    if (group.members.size >= ctx.settings.maxGroupSize) {
      maybeCompleteJoin(ctx, group);
      return joinError(memberId, ErrorCode.GROUP_MAX_SIZE_REACHED);
    }
    return addMemberAndRebalance(ctx, group, memberId, req, respond);
  }
  const fenced = checkStaticIdentity(group, memberId, req.groupInstanceId);
  if (fenced !== ErrorCode.NONE) return joinError(memberId, fenced);
  const member = group.members.get(memberId);
  if (!member) return joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID);
  member.supportsSkipAssignment = req.apiVersion >= 9;
  switch (group.state) {
    case "PreparingRebalance":
      return updateMemberAndRebalance(ctx, group, member, req, respond);
    case "CompletingRebalance":
      // The member lost our JoinGroup answer: send it again unless its protocols changed.
      if (member.sameProtocols(req.protocols)) return currentJoinResult(group, member);
      return updateMemberAndRebalance(ctx, group, member, req, respond);
    case "Stable":
      if (group.leaderId === memberId || !member.sameProtocols(req.protocols)) {
        return updateMemberAndRebalance(ctx, group, member, req, respond);
      }
      scheduleSession(ctx, group, member);
      return currentJoinResult(group, member);
    default:
      return joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID);
  }
}

/** FENCED_INSTANCE_ID when a static member's instance id is held by another member id. */
export function checkStaticIdentity(
  group: ClassicGroup,
  memberId: string,
  instanceId: string | null,
): number {
  if (instanceId === null) return ErrorCode.NONE;
  const owner = group.staticMembers.get(instanceId);
  if (owner === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
  return owner === memberId ? ErrorCode.NONE : ErrorCode.FENCED_INSTANCE_ID;
}

function currentJoinResult(group: ClassicGroup, member: ClassicMember): JoinResult {
  const isLeader = group.leaderId === member.memberId;
  return {
    errorCode: ErrorCode.NONE,
    generationId: group.generationId,
    protocolType: group.protocolType,
    protocolName: group.protocolName,
    leader: group.leaderId ?? "",
    skipAssignment: false,
    memberId: member.memberId,
    members: isLeader ? memberList(group) : [],
  };
}

function memberList(group: ClassicGroup): JoinResult["members"] {
  const protocol = group.protocolName ?? "";
  return [...group.members.values()].map((m) => ({
    memberId: m.memberId,
    groupInstanceId: m.groupInstanceId,
    metadata: m.metadataFor(protocol),
  }));
}

function addMemberAndRebalance(
  ctx: GroupContext,
  group: ClassicGroup,
  memberId: string,
  req: JoinRequest,
  respond: (r: JoinResult) => void,
): null {
  const member = new ClassicMember(
    memberId,
    req.groupInstanceId,
    req.clientId,
    req.clientHost,
    req.rebalanceTimeoutMs < 0 ? req.sessionTimeoutMs : req.rebalanceTimeoutMs,
    req.sessionTimeoutMs,
    req.protocolType,
    req.protocols,
  );
  member.supportsSkipAssignment = req.apiVersion >= 9;
  member.joinWaiter = respond;
  if (group.isEmpty()) group.protocolType = req.protocolType;
  group.members.set(memberId, member);
  if (member.groupInstanceId !== null) group.staticMembers.set(member.groupInstanceId, memberId);
  group.leaderId ??= memberId;
  if (group.inInitialDelay) group.newMemberJoinedDuringDelay = true;
  scheduleSession(ctx, group, member);
  if (group.state === "PreparingRebalance") maybeCompleteJoin(ctx, group);
  else prepareRebalance(ctx, group, `member ${memberId} joined`);
  return null;
}

function updateMemberAndRebalance(
  ctx: GroupContext,
  group: ClassicGroup,
  member: ClassicMember,
  req: JoinRequest,
  respond: (r: JoinResult) => void,
): null {
  member.protocols = req.protocols;
  member.clientId = req.clientId;
  member.clientHost = req.clientHost;
  member.sessionTimeoutMs = req.sessionTimeoutMs;
  member.rebalanceTimeoutMs =
    req.rebalanceTimeoutMs < 0 ? req.sessionTimeoutMs : req.rebalanceTimeoutMs;
  // A second JoinGroup while one is parked: the older one is answered as superseded.
  member.joinWaiter?.(joinError(member.memberId, ErrorCode.REBALANCE_IN_PROGRESS));
  member.joinWaiter = respond;
  scheduleSession(ctx, group, member);
  if (group.state === "PreparingRebalance") maybeCompleteJoin(ctx, group);
  else prepareRebalance(ctx, group, `member ${member.memberId} rejoined`);
  return null;
}

/** KIP-345: a static member restarting takes its old identity's place and assignment. */
function replaceStaticMember(
  ctx: GroupContext,
  group: ClassicGroup,
  oldMemberId: string,
  newMemberId: string,
  req: JoinRequest,
  respond: (r: JoinResult) => void,
): null {
  const old = group.members.get(oldMemberId)!;
  old.sessionTimer?.cancel();
  old.joinWaiter?.(joinError(oldMemberId, ErrorCode.FENCED_INSTANCE_ID));
  old.syncWaiter?.(syncError(ErrorCode.FENCED_INSTANCE_ID));
  old.joinWaiter = null;
  old.syncWaiter = null;
  group.members.delete(oldMemberId);
  const protocolsChanged = !old.sameProtocols(req.protocols);
  old.memberId = newMemberId;
  old.clientId = req.clientId;
  old.clientHost = req.clientHost;
  old.sessionTimeoutMs = req.sessionTimeoutMs;
  old.rebalanceTimeoutMs =
    req.rebalanceTimeoutMs < 0 ? req.sessionTimeoutMs : req.rebalanceTimeoutMs;
  old.supportsSkipAssignment = req.apiVersion >= 9;
  const member = old;
  group.members.set(newMemberId, member);
  group.staticMembers.set(req.groupInstanceId!, newMemberId);
  if (group.leaderId === oldMemberId) group.leaderId = newMemberId;
  scheduleSession(ctx, group, member);

  if (group.state === "Stable" && !protocolsChanged) {
    // No rebalance: the member resumes with its previous assignment (SyncGroup returns it).
    const isLeader = group.leaderId === newMemberId;
    const skip = isLeader && member.supportsSkipAssignment;
    const result: JoinResult = {
      errorCode: ErrorCode.NONE,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leader: group.leaderId ?? "",
      skipAssignment: skip,
      memberId: newMemberId,
      members: skip ? memberList(group) : [],
    };
    persistGroup(ctx, group).then(
      () => respond(result),
      (err) => {
        ctx.logger.warn("static member replacement not persisted", {
          group: group.groupId,
          error: String(err),
        });
        // Undo: the old identity stays fenced; the group rebalances with the new one.
        respond(joinError("", errorCodeOf(err)));
        if (group.members.get(newMemberId) === member)
          removeMember(ctx, group, member, "replacement write failed");
      },
    );
    return null;
  }
  member.protocols = req.protocols;
  member.joinWaiter = respond;
  if (group.state === "PreparingRebalance") maybeCompleteJoin(ctx, group);
  else prepareRebalance(ctx, group, `static member ${req.groupInstanceId} replaced`);
  return null;
}

// ---------------------------------------------------------------- rebalance

export function prepareRebalance(ctx: GroupContext, group: ClassicGroup, reason: string): void {
  if (group.state === "CompletingRebalance") {
    for (const m of group.members.values()) {
      m.assignment = EMPTY_BYTES;
      const w = m.syncWaiter;
      m.syncWaiter = null;
      w?.(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
    }
  }
  group.rebalanceTimer?.cancel();
  const initial = group.state === "Empty";
  group.transition("PreparingRebalance", ctx.clock.nowMs());
  ctx.logger.debug("preparing rebalance", {
    group: group.groupId,
    reason,
    generation: group.generationId,
  });
  const rebalanceTimeout = group.maxRebalanceTimeoutMs();
  if (initial && ctx.settings.initialRebalanceDelayMs > 0) {
    // Kafka's InitialDelayedJoin: wait for more members, extending while they keep coming.
    group.inInitialDelay = true;
    group.newMemberJoinedDuringDelay = false;
    group.initialDelayDeadlineMs = ctx.clock.monotonicMs() + rebalanceTimeout;
    armInitialDelay(ctx, group, Math.min(ctx.settings.initialRebalanceDelayMs, rebalanceTimeout));
    return;
  }
  group.rebalanceTimer = ctx.clock.setTimer(rebalanceTimeout, () => {
    if (group.state === "PreparingRebalance") completeJoin(ctx, group);
  });
  maybeCompleteJoin(ctx, group);
}

function armInitialDelay(ctx: GroupContext, group: ClassicGroup, delayMs: number): void {
  group.rebalanceTimer = ctx.clock.setTimer(delayMs, () => {
    if (group.state !== "PreparingRebalance" || !group.inInitialDelay) return;
    const remaining = group.initialDelayDeadlineMs - ctx.clock.monotonicMs();
    if (group.newMemberJoinedDuringDelay && remaining > 0) {
      group.newMemberJoinedDuringDelay = false;
      armInitialDelay(ctx, group, Math.min(ctx.settings.initialRebalanceDelayMs, remaining));
      return;
    }
    group.inInitialDelay = false;
    completeJoin(ctx, group);
  });
}

export function maybeCompleteJoin(ctx: GroupContext, group: ClassicGroup): void {
  if (group.state !== "PreparingRebalance" || group.inInitialDelay) return;
  if (group.allMembersJoined()) completeJoin(ctx, group);
}

function completeJoin(ctx: GroupContext, group: ClassicGroup): void {
  group.rebalanceTimer?.cancel();
  group.rebalanceTimer = null;
  group.inInitialDelay = false;
  // Dynamic members that did not rejoin in time are out; static ones keep their seat.
  for (const m of [...group.members.values()]) {
    if (!m.isAwaitingJoin && m.groupInstanceId === null) removeMemberQuietly(group, m);
  }
  if (group.leaderId === null || !group.members.get(group.leaderId)?.isAwaitingJoin) {
    const joined = [...group.members.values()].find((m) => m.isAwaitingJoin);
    group.leaderId = joined?.memberId ?? null;
  }
  if (group.leaderId === null && !group.isEmpty()) {
    // Only static members that did not rejoin are left: wait for them to rejoin or for
    // their sessions to expire (Kafka postpones the same way).
    group.rebalanceTimer = ctx.clock.setTimer(group.maxRebalanceTimeoutMs(), () => {
      if (group.state === "PreparingRebalance") completeJoin(ctx, group);
    });
    return;
  }
  const now = ctx.clock.nowMs();
  group.generationId++;
  if (group.isEmpty() || group.leaderId === null) {
    group.protocolName = null;
    group.leaderId = null;
    group.transition("Empty", now);
    persistGroup(ctx, group).catch((err) =>
      ctx.logger.warn("empty group not persisted", { group: group.groupId, error: String(err) }),
    );
    return;
  }
  group.protocolName = group.selectProtocol();
  group.transition("CompletingRebalance", now);
  const leaderMembers = memberList(group);
  for (const m of group.members.values()) {
    const waiter = m.joinWaiter;
    m.joinWaiter = null;
    scheduleSession(ctx, group, m);
    waiter?.({
      errorCode: ErrorCode.NONE,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leader: group.leaderId,
      skipAssignment: false,
      memberId: m.memberId,
      members: m.memberId === group.leaderId ? leaderMembers : [],
    });
  }
  // The leader must send its assignment within the rebalance timeout, or we start over.
  const generation = group.generationId;
  group.rebalanceTimer = ctx.clock.setTimer(group.maxRebalanceTimeoutMs(), () => {
    if (group.state !== "CompletingRebalance" || group.generationId !== generation) return;
    for (const m of [...group.members.values()]) {
      if (m.syncWaiter === null) removeMemberQuietly(group, m);
    }
    prepareRebalance(ctx, group, "sync timeout");
  });
}

// ---------------------------------------------------------------- SyncGroup

export function syncClassicGroup(
  ctx: GroupContext,
  group: ClassicGroup,
  req: SyncRequest,
): Promise<SyncResult> {
  return new Promise((respond) => {
    const fenced = checkStaticIdentity(group, req.memberId, req.groupInstanceId);
    if (fenced !== ErrorCode.NONE) return respond(syncError(fenced));
    const member = group.members.get(req.memberId);
    if (!member || group.state === "Empty" || group.state === "Dead") {
      return respond(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    }
    if (req.generationId !== group.generationId)
      return respond(syncError(ErrorCode.ILLEGAL_GENERATION));
    if (
      (req.protocolType !== null && req.protocolType !== group.protocolType) ||
      (req.protocolName !== null && req.protocolName !== group.protocolName)
    ) {
      return respond(syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    }
    if (group.state === "PreparingRebalance")
      return respond(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
    scheduleSession(ctx, group, member);
    if (group.state === "Stable") return respond(currentSync(group, member));
    // CompletingRebalance
    member.syncWaiter = respond;
    if (group.leaderId !== member.memberId) return;
    const given = new Map(req.assignments.map((a) => [a.memberId, a.assignment]));
    for (const m of group.members.values())
      m.assignment = given.get(m.memberId)?.slice() ?? EMPTY_BYTES;
    const generation = group.generationId;
    persistGroup(ctx, group).then(
      () => {
        if (group.state !== "CompletingRebalance" || group.generationId !== generation) return;
        group.rebalanceTimer?.cancel();
        group.rebalanceTimer = null;
        group.transition("Stable", ctx.clock.nowMs());
        for (const m of group.members.values()) {
          const w = m.syncWaiter;
          m.syncWaiter = null;
          w?.(currentSync(group, m));
        }
      },
      (err) => {
        if (group.state !== "CompletingRebalance" || group.generationId !== generation) return;
        const code = errorCodeOf(err);
        for (const m of group.members.values()) {
          m.assignment = EMPTY_BYTES;
          const w = m.syncWaiter;
          m.syncWaiter = null;
          w?.(syncError(code));
        }
        prepareRebalance(ctx, group, "assignment not persisted");
      },
    );
  });
}

function currentSync(group: ClassicGroup, member: ClassicMember): SyncResult {
  return {
    errorCode: ErrorCode.NONE,
    protocolType: group.protocolType,
    protocolName: group.protocolName,
    assignment: member.assignment,
  };
}

// ---------------------------------------------------------------- Heartbeat / LeaveGroup

export function heartbeatClassic(
  ctx: GroupContext,
  group: ClassicGroup,
  memberId: string,
  instanceId: string | null,
  generationId: number,
): number {
  const fenced = checkStaticIdentity(group, memberId, instanceId);
  if (fenced !== ErrorCode.NONE) return fenced;
  const member = group.members.get(memberId);
  if (!member || group.state === "Empty" || group.state === "Dead")
    return ErrorCode.UNKNOWN_MEMBER_ID;
  if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
  scheduleSession(ctx, group, member);
  if (group.state === "PreparingRebalance") return ErrorCode.REBALANCE_IN_PROGRESS;
  return ErrorCode.NONE;
}

/** One member of a LeaveGroup request; returns its error code. */
export function leaveClassic(
  ctx: GroupContext,
  group: ClassicGroup,
  memberId: string,
  instanceId: string | null,
): number {
  if (group.state === "Dead") return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  let id = memberId;
  if (instanceId !== null) {
    const owner = group.staticMembers.get(instanceId);
    if (owner === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (memberId !== "" && owner !== memberId) return ErrorCode.FENCED_INSTANCE_ID;
    id = owner;
  }
  const pending = group.pendingMembers.get(id);
  if (pending !== undefined) {
    pending.cancel();
    group.pendingMembers.delete(id);
    maybeCompleteJoin(ctx, group);
    return ErrorCode.NONE;
  }
  const member = group.members.get(id);
  if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
  removeMember(ctx, group, member, "left the group");
  return ErrorCode.NONE;
}

// ---------------------------------------------------------------- members and sessions

export function scheduleSession(
  ctx: GroupContext,
  group: ClassicGroup,
  member: ClassicMember,
): void {
  member.sessionTimer?.cancel();
  member.sessionTimer = ctx.clock.setTimer(member.sessionTimeoutMs, () => {
    if (group.members.get(member.memberId) !== member) return;
    // A member parked in JoinGroup or SyncGroup is alive: it is waiting on us.
    if (member.isAwaitingJoin || member.syncWaiter !== null)
      return scheduleSession(ctx, group, member);
    ctx.logger.info("member session expired", { group: group.groupId, member: member.memberId });
    removeMember(ctx, group, member, "session timeout");
  });
}

function removeMemberQuietly(group: ClassicGroup, member: ClassicMember): void {
  member.sessionTimer?.cancel();
  member.sessionTimer = null;
  group.members.delete(member.memberId);
  if (
    member.groupInstanceId !== null &&
    group.staticMembers.get(member.groupInstanceId) === member.memberId
  ) {
    group.staticMembers.delete(member.groupInstanceId);
  }
  if (group.leaderId === member.memberId) {
    group.leaderId = group.members.keys().next().value ?? null;
  }
  const jw = member.joinWaiter;
  const sw = member.syncWaiter;
  member.joinWaiter = null;
  member.syncWaiter = null;
  jw?.(joinError(member.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
  sw?.(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
}

export function removeMember(
  ctx: GroupContext,
  group: ClassicGroup,
  member: ClassicMember,
  reason: string,
): void {
  removeMemberQuietly(group, member);
  if (group.state === "Stable" || group.state === "CompletingRebalance") {
    prepareRebalance(ctx, group, `member ${member.memberId}: ${reason}`);
  } else if (group.state === "PreparingRebalance") {
    maybeCompleteJoin(ctx, group);
  }
}

// ---------------------------------------------------------------- persistence

export function groupMetadataRecord(group: ClassicGroup, nowMs: number): GroupRecord {
  const key = encodeKey({ type: RecordType.GroupMetadata, group: group.groupId });
  const protocol = group.protocolName ?? "";
  const value = encodeGroupMetadataValue({
    protocolType: group.protocolType ?? "",
    generation: group.generationId,
    protocol: group.protocolName,
    leader: group.leaderId,
    currentStateTimestamp: nowMs,
    members: [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      rebalanceTimeout: m.rebalanceTimeoutMs,
      sessionTimeout: m.sessionTimeoutMs,
      subscription: m.metadataFor(protocol),
      assignment: m.assignment,
    })),
  });
  return { key, value };
}

function persistGroup(ctx: GroupContext, group: ClassicGroup): Promise<void> {
  return writeGroupRecords(ctx, group.groupId, [groupMetadataRecord(group, ctx.clock.nowMs())]);
}

export function errorCodeOf(err: unknown): number {
  return err instanceof CoordinatorLogError ? err.errorCode : ErrorCode.COORDINATOR_NOT_AVAILABLE;
}

export function newClassicGroup(ctx: GroupContext, groupId: string): ClassicGroup {
  return new ClassicGroup(groupId, ctx.clock.nowMs());
}
