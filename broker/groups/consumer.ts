/**
 * ConsumerGroupHeartbeat (KIP-848): join, steady-state heartbeats, leave, static
 * members, and the reconciliation that gives a member its target assignment in steps.
 * A partition moves to its new owner only after the previous owner's heartbeat shows it
 * no longer holds it (or the owner is fenced), so two members never own one partition.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { ASSIGNORS, DEFAULT_ASSIGNOR, type TopicAssignment } from "./assignors.ts";
import { errorCodeOf } from "./classic.ts";
import {
  assignmentEquals,
  ConsumerGroup,
  ConsumerMember,
  cloneAssignment,
  compileSubscriptionRegex,
  fromTopicPartitions,
  LEAVE_STATIC_EPOCH,
  MemberState,
  toTopicPartitions,
} from "./consumer-group.ts";
import { type GroupContext, randomKafkaUuid, writeGroupRecords } from "./context.ts";
import type { GroupRecord } from "./group-log.ts";
import {
  encodeConsumerGroupMetadataValue,
  encodeConsumerMemberMetadataValue,
  encodeCurrentMemberAssignmentValue,
  encodeKey,
  encodeTargetAssignmentMemberValue,
  encodeTargetAssignmentMetadataValue,
  RecordType,
} from "./records.ts";

export interface ConsumerHeartbeatRequest {
  groupId: string;
  memberId: string;
  memberEpoch: number;
  instanceId: string | null;
  rackId: string | null;
  rebalanceTimeoutMs: number;
  subscribedTopicNames: string[] | null;
  subscribedTopicRegex: string | null;
  serverAssignor: string | null;
  topicPartitions: { topicId: string; partitions: number[] }[] | null;
  clientId: string;
  clientHost: string;
  apiVersion: number;
}

export interface ConsumerHeartbeatResult {
  errorCode: number;
  errorMessage: string | null;
  memberId: string | null;
  memberEpoch: number;
  heartbeatIntervalMs: number;
  assignment: { topicId: string; partitions: number[] }[] | null;
}

function fail(
  errorCode: number,
  errorMessage: string | null = null,
  memberId: string | null = null,
): ConsumerHeartbeatResult {
  return {
    errorCode,
    errorMessage,
    memberId,
    memberEpoch: -1,
    heartbeatIntervalMs: 0,
    assignment: null,
  };
}

function validate(req: ConsumerHeartbeatRequest): string | null {
  if (req.groupId === "") return "GroupId can't be empty.";
  if (req.memberEpoch < LEAVE_STATIC_EPOCH) return `MemberEpoch ${req.memberEpoch} is invalid.`;
  if (req.instanceId === "") return "InstanceId can't be empty.";
  if (req.rackId === "") return "RackId can't be empty.";
  if (req.memberEpoch === 0) {
    if (req.apiVersion >= 1 && req.memberId === "") return "MemberId can't be empty.";
    if (req.rebalanceTimeoutMs === -1)
      return "RebalanceTimeoutMs must be provided in first request.";
    if (req.topicPartitions === null || req.topicPartitions.length > 0)
      return "TopicPartitions must be empty when (re-)joining.";
    if (req.subscribedTopicNames === null && req.subscribedTopicRegex === null) {
      return "SubscribedTopicNames or SubscribedTopicRegex must be set in first request.";
    }
  } else if (req.memberId === "") {
    return "MemberId can't be empty.";
  }
  return null;
}

export function consumerGroupHeartbeat(
  ctx: GroupContext,
  req: ConsumerHeartbeatRequest,
): Promise<ConsumerHeartbeatResult> {
  const invalid = validate(req);
  if (invalid !== null) return Promise.resolve(fail(ErrorCode.INVALID_REQUEST, invalid));
  if (req.serverAssignor !== null && !Object.hasOwn(ASSIGNORS, req.serverAssignor)) {
    return Promise.resolve(
      fail(ErrorCode.UNSUPPORTED_ASSIGNOR, `Assignor ${req.serverAssignor} is not supported.`),
    );
  }
  if (
    req.subscribedTopicRegex !== null &&
    compileSubscriptionRegex(req.subscribedTopicRegex) === null
  ) {
    return Promise.resolve(
      fail(
        ErrorCode.INVALID_REGULAR_EXPRESSION,
        `SubscribedTopicRegex ${req.subscribedTopicRegex} is invalid.`,
      ),
    );
  }
  let group = ctx.groups.get(req.groupId);
  if (group !== undefined && group.type !== "consumer") {
    return Promise.resolve(
      fail(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${req.groupId} is not a consumer group`),
    );
  }
  if (req.memberEpoch < 0) {
    if (!group) return Promise.resolve(fail(ErrorCode.UNKNOWN_MEMBER_ID));
    return leave(ctx, group, req);
  }
  if (!group) {
    if (req.memberEpoch !== 0)
      return Promise.resolve(fail(ErrorCode.UNKNOWN_MEMBER_ID, "unknown group"));
    group = new ConsumerGroup(req.groupId);
    ctx.groups.set(req.groupId, group);
  }
  return heartbeat(ctx, group, req);
}

function heartbeat(
  ctx: GroupContext,
  group: ConsumerGroup,
  req: ConsumerHeartbeatRequest,
): Promise<ConsumerHeartbeatResult> {
  const records: GroupRecord[] = [];
  let member: ConsumerMember;
  let joined = false;
  if (req.memberEpoch === 0) {
    const staticOld = req.instanceId !== null ? group.staticMembers.get(req.instanceId) : undefined;
    const existing = group.members.get(req.memberId);
    if (staticOld !== undefined && staticOld !== req.memberId) {
      const old = group.members.get(staticOld)!;
      if (old.memberEpoch !== LEAVE_STATIC_EPOCH) {
        return Promise.resolve(
          fail(
            ErrorCode.UNRELEASED_INSTANCE_ID,
            `Static member ${req.instanceId} is still in the group.`,
          ),
        );
      }
      member = replaceStatic(ctx, group, old, req.memberId || randomKafkaUuid(ctx), records);
    } else if (existing) {
      member = existing;
    } else {
      if (group.members.size >= ctx.settings.maxGroupSize) {
        return Promise.resolve(
          fail(
            ErrorCode.GROUP_MAX_SIZE_REACHED,
            `Group ${group.groupId} has reached its maximum size.`,
          ),
        );
      }
      member = new ConsumerMember(req.memberId || randomKafkaUuid(ctx));
      group.members.set(member.memberId, member);
      joined = true;
    }
  } else {
    const found = group.members.get(req.memberId);
    if (!found) return Promise.resolve(fail(ErrorCode.UNKNOWN_MEMBER_ID));
    if (req.memberEpoch !== found.memberEpoch) {
      const owned = req.topicPartitions === null ? null : fromTopicPartitions(req.topicPartitions);
      // A member that missed our last answer may retry with its previous epoch.
      const retry =
        req.memberEpoch === found.previousMemberEpoch &&
        owned !== null &&
        isSubset(owned, found.assigned);
      if (!retry)
        return Promise.resolve(
          fail(
            ErrorCode.FENCED_MEMBER_EPOCH,
            "The consumer group member has a smaller member epoch.",
          ),
        );
    }
    member = found;
  }
  const subscriptionChanged = updateMember(member, req) || joined;
  if (member.instanceId !== null) group.staticMembers.set(member.instanceId, member.memberId);
  if (subscriptionChanged) records.push(memberMetadataRecord(group, member));
  const snapshot = metadataSnapshot(ctx, group);
  if (subscriptionChanged || snapshot !== group.metadataSnapshot) {
    group.groupEpoch++;
    group.metadataSnapshot = snapshot;
    records.push({
      key: encodeKey({ type: RecordType.ConsumerGroupMetadata, group: group.groupId }),
      value: encodeConsumerGroupMetadataValue(group.groupEpoch),
    });
  }
  if (group.groupEpoch > group.assignmentEpoch) computeTargetAssignment(ctx, group, records);
  const before = cloneAssignment(member.assigned);
  const epochBefore = member.memberEpoch;
  const owned = req.topicPartitions === null ? null : fromTopicPartitions(req.topicPartitions);
  reconcile(ctx, group, member, owned);
  const changed =
    member.memberEpoch !== epochBefore || !assignmentEquals(before, member.assigned) || joined;
  if (changed) records.push(currentAssignmentRecord(group, member));
  scheduleSession(ctx, group, member);
  const sendAssignment =
    req.memberEpoch === 0 ||
    changed ||
    (owned !== null && !assignmentEquals(owned, member.assigned));
  const result: ConsumerHeartbeatResult = {
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    memberId: member.memberId,
    memberEpoch: member.memberEpoch,
    heartbeatIntervalMs: ctx.settings.consumerHeartbeatIntervalMs,
    assignment: sendAssignment ? toTopicPartitions(member.assigned) : null,
  };
  if (records.length === 0) return Promise.resolve(result);
  return writeGroupRecords(ctx, group.groupId, records).then(
    () => result,
    (err) => fail(errorCodeOf(err), "group state not persisted"),
  );
}

/** Applies the request's changes; true when the subscription (or assignor) changed. */
function updateMember(member: ConsumerMember, req: ConsumerHeartbeatRequest): boolean {
  let changed = false;
  if (req.instanceId !== null) member.instanceId = req.instanceId;
  if (req.rackId !== null) member.rackId = req.rackId;
  member.clientId = req.clientId;
  member.clientHost = req.clientHost;
  if (req.rebalanceTimeoutMs !== -1) member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
  if (req.subscribedTopicNames !== null) {
    const next = [...req.subscribedTopicNames].sort();
    if (next.join("\0") !== member.subscribedTopicNames.join("\0")) {
      member.subscribedTopicNames = next;
      changed = true;
    }
  }
  if (
    req.subscribedTopicRegex !== null &&
    req.subscribedTopicRegex !== member.subscribedTopicRegex
  ) {
    member.subscribedTopicRegex = req.subscribedTopicRegex === "" ? null : req.subscribedTopicRegex;
    changed = true;
  }
  if (req.serverAssignor !== null && req.serverAssignor !== member.serverAssignor) {
    member.serverAssignor = req.serverAssignor;
    changed = true;
  }
  return changed;
}

function replaceStatic(
  ctx: GroupContext,
  group: ConsumerGroup,
  old: ConsumerMember,
  newId: string,
  records: GroupRecord[],
): ConsumerMember {
  old.sessionTimer?.cancel();
  old.revocationTimer?.cancel();
  records.push(...memberTombstones(group, old.memberId));
  group.members.delete(old.memberId);
  const target = group.target.get(old.memberId);
  group.target.delete(old.memberId);
  // The new instance resumes where the old one left: same epoch, same assignment, so
  // nobody else rebalances.
  const member = new ConsumerMember(newId);
  member.instanceId = old.instanceId;
  member.rackId = old.rackId;
  member.subscribedTopicNames = old.subscribedTopicNames;
  member.subscribedTopicRegex = old.subscribedTopicRegex;
  member.rebalanceTimeoutMs = old.rebalanceTimeoutMs;
  member.serverAssignor = old.serverAssignor;
  member.memberEpoch = old.previousMemberEpoch;
  member.state = old.state;
  member.assigned = old.assigned;
  member.pendingRevocation = old.pendingRevocation;
  group.members.set(newId, member);
  if (target) {
    group.target.set(newId, target);
    records.push(targetMemberRecord(group, newId, target));
  }
  records.push(memberMetadataRecord(group, member), currentAssignmentRecord(group, member));
  ctx.logger.info("static member replaced", {
    group: group.groupId,
    instance: member.instanceId,
    member: newId,
  });
  return member;
}

function leave(
  ctx: GroupContext,
  group: ConsumerGroup,
  req: ConsumerHeartbeatRequest,
): Promise<ConsumerHeartbeatResult> {
  const member = group.members.get(req.memberId);
  if (!member) return Promise.resolve(fail(ErrorCode.UNKNOWN_MEMBER_ID));
  const done: ConsumerHeartbeatResult = {
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    memberId: member.memberId,
    memberEpoch: req.memberEpoch,
    heartbeatIntervalMs: 0,
    assignment: null,
  };
  const records: GroupRecord[] = [];
  if (req.memberEpoch === LEAVE_STATIC_EPOCH && member.instanceId !== null) {
    // Held for the session timeout: a restart with the same instance id takes it back.
    member.previousMemberEpoch = member.memberEpoch;
    member.memberEpoch = LEAVE_STATIC_EPOCH;
    records.push(currentAssignmentRecord(group, member));
    scheduleSession(ctx, group, member);
  } else {
    removeMember(ctx, group, member, records);
  }
  return writeGroupRecords(ctx, group.groupId, records).then(
    () => done,
    (err) => fail(errorCodeOf(err)),
  );
}

/** Fences a member out: its partitions become free, the group epoch moves. */
function removeMember(
  ctx: GroupContext,
  group: ConsumerGroup,
  member: ConsumerMember,
  records: GroupRecord[],
): void {
  member.sessionTimer?.cancel();
  member.revocationTimer?.cancel();
  group.members.delete(member.memberId);
  group.target.delete(member.memberId);
  if (
    member.instanceId !== null &&
    group.staticMembers.get(member.instanceId) === member.memberId
  ) {
    group.staticMembers.delete(member.instanceId);
  }
  records.push(...memberTombstones(group, member.memberId));
  group.groupEpoch++;
  group.metadataSnapshot = metadataSnapshot(ctx, group);
  records.push({
    key: encodeKey({ type: RecordType.ConsumerGroupMetadata, group: group.groupId }),
    value: encodeConsumerGroupMetadataValue(group.groupEpoch),
  });
  computeTargetAssignment(ctx, group, records);
}

function fenceNow(
  ctx: GroupContext,
  group: ConsumerGroup,
  member: ConsumerMember,
  reason: string,
): void {
  if (group.members.get(member.memberId) !== member) return;
  ctx.logger.info("consumer group member fenced", {
    group: group.groupId,
    member: member.memberId,
    reason,
  });
  const records: GroupRecord[] = [];
  removeMember(ctx, group, member, records);
  writeGroupRecords(ctx, group.groupId, records).catch((err) =>
    ctx.logger.warn("member removal not persisted", { group: group.groupId, error: String(err) }),
  );
}

export function scheduleSession(
  ctx: GroupContext,
  group: ConsumerGroup,
  member: ConsumerMember,
): void {
  member.sessionTimer?.cancel();
  member.sessionTimer = ctx.clock.setTimer(ctx.settings.consumerSessionTimeoutMs, () =>
    fenceNow(ctx, group, member, "session timeout"),
  );
}

// ------------------------------------------------------------ assignment

function metadataSnapshot(ctx: GroupContext, group: ConsumerGroup): string {
  return group
    .subscribedTopicNames(ctx.topics)
    .map((name) => {
      const t = ctx.topics.byName(name)!;
      return `${t.name}:${t.id}:${t.partitions}`;
    })
    .sort()
    .join(",");
}

function computeTargetAssignment(
  ctx: GroupContext,
  group: ConsumerGroup,
  records: GroupRecord[],
): void {
  const topics = new Map<string, number>();
  const members = [...group.members.values()].map((m) => {
    const subscribed = new Set<string>();
    const re =
      m.subscribedTopicRegex === null ? null : compileSubscriptionRegex(m.subscribedTopicRegex);
    for (const t of ctx.topics.list()) {
      const byName = m.subscribedTopicNames.includes(t.name);
      const byRegex = re !== null && !t.name.startsWith("__") && re.test(t.name);
      if (!byName && !byRegex) continue;
      subscribed.add(t.id);
      topics.set(t.id, t.partitions);
    }
    return {
      memberId: m.memberId,
      topics: subscribed,
      current: group.target.get(m.memberId) ?? new Map(),
    };
  });
  // The most popular explicit choice wins; Kafka allows one assignor per group at a time.
  const votes = new Map<string, number>();
  for (const m of group.members.values()) {
    if (m.serverAssignor !== null)
      votes.set(m.serverAssignor, (votes.get(m.serverAssignor) ?? 0) + 1);
  }
  let name = DEFAULT_ASSIGNOR;
  let best = 0;
  for (const [n, v] of votes) if (v > best) [name, best] = [n, v];
  const next = ASSIGNORS[name]!({ members, topics });
  for (const [memberId, assignment] of next) {
    const prev = group.target.get(memberId);
    if (prev && assignmentEquals(prev, assignment)) continue;
    group.target.set(memberId, assignment);
    records.push(targetMemberRecord(group, memberId, assignment));
  }
  group.assignmentEpoch = group.groupEpoch;
  records.push({
    key: encodeKey({
      type: RecordType.ConsumerGroupTargetAssignmentMetadata,
      group: group.groupId,
    }),
    value: encodeTargetAssignmentMetadataValue(group.assignmentEpoch),
  });
}

/**
 * Kafka's CurrentAssignmentBuilder: moves a member one step towards its target. Partitions
 * it must give up are revoked first (epoch unchanged) and only once its heartbeat no longer
 * lists them does it move to the new epoch; new partitions still held by another member
 * wait (UNRELEASED_PARTITIONS) until that member lets go.
 */
function reconcile(
  ctx: GroupContext,
  group: ConsumerGroup,
  member: ConsumerMember,
  owned: TopicAssignment | null,
): void {
  if (member.memberEpoch === LEAVE_STATIC_EPOCH) return;
  if (member.state === MemberState.UNREVOKED_PARTITIONS) {
    const stillOwns = owned === null || intersects(owned, member.pendingRevocation);
    if (stillOwns) return;
    member.pendingRevocation = new Map();
    member.revocationTimer?.cancel();
    member.revocationTimer = null;
  } else if (member.state === MemberState.STABLE && member.memberEpoch === group.assignmentEpoch) {
    return;
  }
  const target = group.target.get(member.memberId) ?? new Map<string, Set<number>>();
  const keep: TopicAssignment = new Map();
  const revoke: TopicAssignment = new Map();
  const wanted: { topicId: string; p: number }[] = [];
  for (const [t, ps] of member.assigned) {
    for (const p of ps) addTo(target.get(t)?.has(p) ? keep : revoke, t, p);
  }
  for (const [t, ps] of target)
    for (const p of ps) if (!member.assigned.get(t)?.has(p)) wanted.push({ topicId: t, p });
  if (revoke.size > 0) {
    member.assigned = keep;
    member.pendingRevocation = revoke;
    member.state = MemberState.UNREVOKED_PARTITIONS;
    member.revocationTimer?.cancel();
    member.revocationTimer = ctx.clock.setTimer(member.rebalanceTimeoutMs, () => {
      if (member.state === MemberState.UNREVOKED_PARTITIONS)
        fenceNow(ctx, group, member, "revocation timeout");
    });
    return;
  }
  let unreleased = false;
  for (const w of wanted) {
    if (group.ownerOf(w.topicId, w.p, member.memberId) === null) addTo(keep, w.topicId, w.p);
    else unreleased = true;
  }
  member.assigned = keep;
  member.previousMemberEpoch = member.memberEpoch;
  member.memberEpoch = group.assignmentEpoch;
  member.state = unreleased ? MemberState.UNRELEASED_PARTITIONS : MemberState.STABLE;
}

function addTo(a: TopicAssignment, t: string, p: number): void {
  let s = a.get(t);
  if (!s) {
    s = new Set();
    a.set(t, s);
  }
  s.add(p);
}

function isSubset(a: TopicAssignment, b: TopicAssignment): boolean {
  for (const [t, ps] of a) for (const p of ps) if (!b.get(t)?.has(p)) return false;
  return true;
}

function intersects(a: TopicAssignment, b: TopicAssignment): boolean {
  for (const [t, ps] of a) for (const p of ps) if (b.get(t)?.has(p)) return true;
  return false;
}

// ------------------------------------------------------------ records

function memberMetadataRecord(group: ConsumerGroup, m: ConsumerMember): GroupRecord {
  return {
    key: encodeKey({
      type: RecordType.ConsumerGroupMemberMetadata,
      group: group.groupId,
      memberId: m.memberId,
    }),
    value: encodeConsumerMemberMetadataValue({
      instanceId: m.instanceId,
      rackId: m.rackId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      subscribedTopicNames: m.subscribedTopicNames,
      subscribedTopicRegex: m.subscribedTopicRegex,
      rebalanceTimeoutMs: m.rebalanceTimeoutMs,
      serverAssignor: m.serverAssignor,
    }),
  };
}

function targetMemberRecord(
  group: ConsumerGroup,
  memberId: string,
  a: TopicAssignment,
): GroupRecord {
  return {
    key: encodeKey({
      type: RecordType.ConsumerGroupTargetAssignmentMember,
      group: group.groupId,
      memberId,
    }),
    value: encodeTargetAssignmentMemberValue(toTopicPartitions(a)),
  };
}

function currentAssignmentRecord(group: ConsumerGroup, m: ConsumerMember): GroupRecord {
  return {
    key: encodeKey({
      type: RecordType.ConsumerGroupCurrentMemberAssignment,
      group: group.groupId,
      memberId: m.memberId,
    }),
    value: encodeCurrentMemberAssignmentValue({
      memberEpoch: m.memberEpoch,
      previousMemberEpoch: m.previousMemberEpoch,
      state: m.state,
      assignedPartitions: toTopicPartitions(m.assigned),
      partitionsPendingRevocation: toTopicPartitions(m.pendingRevocation),
    }),
  };
}

function memberTombstones(group: ConsumerGroup, memberId: string): GroupRecord[] {
  return [
    RecordType.ConsumerGroupCurrentMemberAssignment,
    RecordType.ConsumerGroupTargetAssignmentMember,
    RecordType.ConsumerGroupMemberMetadata,
  ].map((type) => ({ key: encodeKey({ type, group: group.groupId, memberId }), value: null }));
}

/** Everything that must go when the group is deleted or converted. */
export function consumerGroupTombstones(group: ConsumerGroup): GroupRecord[] {
  const out: GroupRecord[] = [];
  for (const id of new Set([...group.members.keys(), ...group.target.keys()]))
    out.push(...memberTombstones(group, id));
  for (const type of [
    RecordType.ConsumerGroupTargetAssignmentMetadata,
    RecordType.ConsumerGroupMetadata,
  ] as const) {
    out.push({ key: encodeKey({ type, group: group.groupId }), value: null });
  }
  return out;
}

export function stopConsumerGroup(group: ConsumerGroup): void {
  for (const m of group.members.values()) {
    m.sessionTimer?.cancel();
    m.revocationTimer?.cancel();
  }
}

/** After a reload: sessions restart and the metadata snapshot is taken as current. */
export function resumeConsumerGroup(ctx: GroupContext, group: ConsumerGroup): void {
  group.metadataSnapshot = metadataSnapshot(ctx, group);
  for (const m of group.members.values()) {
    if (m.instanceId !== null) group.staticMembers.set(m.instanceId, m.memberId);
    scheduleSession(ctx, group, m);
  }
}
