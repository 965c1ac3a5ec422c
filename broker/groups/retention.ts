/**
 * offsets.retention.minutes (KIP-211). Offsets of an Empty group expire that long after
 * the group became empty (after the commit, for groups that never had members; at the
 * explicit expire time of OffsetCommit v2–v4); a live consumer group's offsets expire
 * only for topics no member subscribes to; other live groups keep theirs. Expired
 * offsets get tombstones. Groups left empty without any offsets are deleted, as Kafka's
 * periodic cleanup does.
 */
import { Reader } from "../../protocol/codec/reader.ts";
import { ErrorCode } from "../../protocol/errors.ts";
import { decodeConsumerProtocolSubscription } from "../../protocol/messages/generated/consumer-protocol-subscription.ts";
import type { ClassicGroup } from "./classic-group.ts";
import { type Group, type GroupContext, writeGroupRecords } from "./context.ts";
import type { GroupRecord } from "./group-log.ts";
import { encodeKey, RecordType } from "./records.ts";

/** Kafka's offsets.retention.check.interval.ms default. */
export const RETENTION_CHECK_INTERVAL_MS = 600_000;

/** Runs one pass; returns how many offsets expired. `deleteGroup` tombstones a whole group. */
export async function expireOffsets(
  ctx: GroupContext,
  deleteGroup: (group: Group) => Promise<number>,
): Promise<number> {
  const now = ctx.clock.nowMs();
  const retention = ctx.settings.offsetsRetentionMs;
  const writes: Promise<void>[] = [];
  let expired = 0;
  for (const groupId of ctx.offsets.groupIds()) {
    const rule = expiryRule(ctx, ctx.groups.get(groupId));
    if (rule === null) continue;
    const records: GroupRecord[] = [];
    for (const e of ctx.offsets.entries(groupId)) {
      if (rule.keepTopics.has(e.topic)) continue;
      const due =
        e.value.expireTimestamp >= 0
          ? now >= e.value.expireTimestamp
          : now - Math.max(rule.baseMs, e.value.commitTimestamp) >= retention;
      if (!due) continue;
      const key = encodeKey({
        type: RecordType.OffsetCommit,
        group: groupId,
        topic: e.topic,
        partition: e.partition,
      });
      records.push({ key, value: null });
      ctx.offsets.delete(groupId, e.topic, e.partition);
      expired++;
    }
    if (records.length === 0) continue;
    writes.push(
      writeGroupRecords(ctx, groupId, records).catch((err) =>
        ctx.logger.warn("offset expiry not persisted", { group: groupId, error: String(err) }),
      ),
    );
  }
  for (const group of [...ctx.groups.values()]) {
    if (ctx.offsets.hasOffsets(group.groupId)) continue;
    const idle =
      group.type === "classic"
        ? group.state === "Empty" && group.pendingMembers.size === 0
        : group.members.size === 0;
    if (!idle) continue;
    writes.push(
      deleteGroup(group).then((code) => {
        if (code !== ErrorCode.NONE)
          ctx.logger.warn("empty group not deleted", { group: group.groupId, error: code });
      }),
    );
  }
  await Promise.all(writes);
  if (expired > 0) ctx.logger.info("expired committed offsets", { offsets: expired });
  return expired;
}

/** When a group's offsets may expire: the base time and the topics that never expire; null: never. */
function expiryRule(
  ctx: GroupContext,
  group: Group | undefined,
): { baseMs: number; keepTopics: Set<string> } | null {
  if (!group) return { baseMs: 0, keepTopics: new Set() };
  if (group.type === "consumer") {
    return { baseMs: 0, keepTopics: new Set(group.subscribedTopicNames(ctx.topics)) };
  }
  if (group.state === "Empty") {
    return { baseMs: group.protocolType ? group.stateTimestampMs : 0, keepTopics: new Set() };
  }
  if (group.protocolType === "consumer")
    return { baseMs: 0, keepTopics: subscribedTopicsOfClassic(group) };
  return null;
}

/** Topics a classic consumer group's members subscribe to (ConsumerProtocolSubscription). */
export function subscribedTopicsOfClassic(group: ClassicGroup): Set<string> {
  const out = new Set<string>();
  if (group.protocolType !== "consumer" || group.protocolName === null) return out;
  for (const m of group.members.values()) {
    try {
      const r = new Reader(m.metadataFor(group.protocolName));
      // Newer subscription versions only append fields: read them as the newest we know.
      const version = Math.max(0, Math.min(r.int16(), 3));
      for (const t of decodeConsumerProtocolSubscription(r, version).topics) out.add(t);
    } catch {
      // Unreadable metadata subscribes to nothing we can name.
    }
  }
  return out;
}
