/**
 * Start-up: replays every partition of `__consumer_offsets` into the group and offset
 * tables. Later records win; tombstones delete. Records this coordinator cannot read are
 * logged and skipped (a newer Kafka's record types, say), never fatal.
 */

import { scheduleSession } from "./classic.ts";
import { ClassicGroup, ClassicMember } from "./classic-group.ts";
import { resumeConsumerGroup } from "./consumer.ts";
import { ConsumerGroup, ConsumerMember, fromTopicPartitions } from "./consumer-group.ts";
import type { GroupContext } from "./context.ts";
import {
  decodeConsumerGroupMetadataValue,
  decodeConsumerMemberMetadataValue,
  decodeCurrentMemberAssignmentValue,
  decodeGroupMetadataValue,
  decodeKey,
  decodeOffsetCommitValue,
  decodeTargetAssignmentMemberValue,
  type GroupRecordKey,
} from "./records.ts";

export async function loadGroups(
  ctx: GroupContext,
): Promise<{ groups: number; offsets: number; skipped: number }> {
  let skipped = 0;
  for (let p = 0; p < ctx.log.partitionCount; p++) {
    await ctx.log.replay(p, (keyBytes, value) => {
      try {
        const key = decodeKey(keyBytes);
        if (key === null) skipped++;
        else apply(ctx, key, value);
      } catch (err) {
        skipped++;
        ctx.logger.warn("unreadable __consumer_offsets record skipped", {
          partition: p,
          error: String(err),
        });
      }
    });
  }
  let offsets = 0;
  for (const groupId of ctx.offsets.groupIds()) {
    offsets += ctx.offsets.entries(groupId).length;
    // Offsets without group metadata belong to a simple (standalone) consumer's group.
    if (!ctx.groups.has(groupId))
      ctx.groups.set(groupId, new ClassicGroup(groupId, ctx.clock.nowMs()));
  }
  for (const group of ctx.groups.values()) {
    if (group.type === "consumer") resumeConsumerGroup(ctx, group);
    else for (const m of group.members.values()) scheduleSession(ctx, group, m);
  }
  return { groups: ctx.groups.size, offsets, skipped };
}

function apply(ctx: GroupContext, key: GroupRecordKey, value: Uint8Array | null): void {
  switch (key.type) {
    case 1:
      if (value === null) ctx.offsets.delete(key.group, key.topic, key.partition);
      else ctx.offsets.set(key.group, key.topic, key.partition, decodeOffsetCommitValue(value));
      return;
    case 2:
      if (value === null) {
        if (ctx.groups.get(key.group)?.type === "classic") ctx.groups.delete(key.group);
      } else {
        ctx.groups.set(key.group, classicFromRecord(ctx, key.group, value));
      }
      return;
    case 4:
      return; // ConsumerGroupPartitionMetadata: recomputed from live topics.
    default:
      applyConsumerRecord(ctx, key, value);
  }
}

function classicFromRecord(ctx: GroupContext, groupId: string, bytes: Uint8Array): ClassicGroup {
  const v = decodeGroupMetadataValue(bytes);
  const group = new ClassicGroup(
    groupId,
    v.currentStateTimestamp >= 0 ? v.currentStateTimestamp : ctx.clock.nowMs(),
  );
  group.generationId = v.generation;
  group.protocolType = v.protocolType === "" ? null : v.protocolType;
  group.protocolName = v.protocol;
  group.leaderId = v.leader;
  for (const m of v.members) {
    const member = new ClassicMember(
      m.memberId,
      m.groupInstanceId,
      m.clientId,
      m.clientHost,
      m.rebalanceTimeout,
      m.sessionTimeout,
      v.protocolType,
      [{ name: v.protocol ?? "", metadata: m.subscription }],
    );
    member.assignment = m.assignment;
    group.members.set(m.memberId, member);
    if (m.groupInstanceId !== null) group.staticMembers.set(m.groupInstanceId, m.memberId);
  }
  group.state = group.members.size > 0 ? "Stable" : "Empty";
  return group;
}

function consumerGroup(ctx: GroupContext, groupId: string): ConsumerGroup {
  const existing = ctx.groups.get(groupId);
  if (existing?.type === "consumer") return existing;
  const group = new ConsumerGroup(groupId);
  ctx.groups.set(groupId, group);
  return group;
}

function applyConsumerRecord(
  ctx: GroupContext,
  key: GroupRecordKey,
  value: Uint8Array | null,
): void {
  if (key.type === 3) {
    if (value === null) {
      if (ctx.groups.get(key.group)?.type === "consumer") ctx.groups.delete(key.group);
      return;
    }
    consumerGroup(ctx, key.group).groupEpoch = decodeConsumerGroupMetadataValue(value).epoch;
    return;
  }
  if (value === null) {
    const group = ctx.groups.get(key.group);
    if (group?.type !== "consumer" || !("memberId" in key)) return;
    if (key.type === 5) group.members.delete(key.memberId);
    if (key.type === 7) group.target.delete(key.memberId);
    return;
  }
  const group = consumerGroup(ctx, key.group);
  if (key.type === 6) {
    group.assignmentEpoch = decodeConsumerGroupMetadataValue(value).epoch;
    return;
  }
  if (!("memberId" in key)) return;
  if (key.type === 7) {
    group.target.set(key.memberId, fromTopicPartitions(decodeTargetAssignmentMemberValue(value)));
    return;
  }
  let member = group.members.get(key.memberId);
  if (!member) {
    member = new ConsumerMember(key.memberId);
    group.members.set(key.memberId, member);
  }
  if (key.type === 5) {
    const v = decodeConsumerMemberMetadataValue(value);
    Object.assign(member, {
      instanceId: v.instanceId,
      rackId: v.rackId,
      clientId: v.clientId,
      clientHost: v.clientHost,
      subscribedTopicNames: v.subscribedTopicNames,
      subscribedTopicRegex: v.subscribedTopicRegex,
      rebalanceTimeoutMs: v.rebalanceTimeoutMs,
      serverAssignor: v.serverAssignor,
    });
  } else if (key.type === 8) {
    const v = decodeCurrentMemberAssignmentValue(value);
    member.memberEpoch = v.memberEpoch;
    member.previousMemberEpoch = v.previousMemberEpoch;
    member.state = v.state;
    member.assigned = fromTopicPartitions(v.assignedPartitions);
    member.pendingRevocation = fromTopicPartitions(v.partitionsPendingRevocation);
  }
}
