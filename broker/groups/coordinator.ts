/**
 * The group coordinator of this node: every group and committed offset, kept in memory
 * and persisted to `__consumer_offsets` (records.ts) before any answer that depends on it.
 * Handlers call the methods below; each one checks and changes state synchronously, then
 * awaits its log append. Start-up replays the whole topic (load.ts) before the broker
 * listens, so there is no COORDINATOR_LOAD_IN_PROGRESS window.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import type { Clock, Random, Timer } from "../../storage/clock.ts";
import type { Logger } from "../logger.ts";
import {
  errorCodeOf,
  heartbeatClassic,
  type JoinRequest,
  joinClassicGroup,
  joinError,
  leaveClassic,
  newClassicGroup,
  type SyncRequest,
  syncClassicGroup,
  syncError,
} from "./classic.ts";
import type { ClassicGroup, JoinResult, SyncResult } from "./classic-group.ts";
import {
  type ConsumerHeartbeatRequest,
  type ConsumerHeartbeatResult,
  consumerGroupHeartbeat,
  consumerGroupTombstones,
  stopConsumerGroup,
} from "./consumer.ts";
import type { ConsumerGroup } from "./consumer-group.ts";
import {
  type Group,
  type GroupContext,
  type GroupSettings,
  type TopicCatalog,
  writeGroupRecords,
} from "./context.ts";
import type { GroupLog, GroupRecord } from "./group-log.ts";
import { loadGroups } from "./load.ts";
import { type CommittedOffset, OffsetStore } from "./offsets.ts";
import { encodeKey, encodeOffsetCommitValue, RecordType } from "./records.ts";
import {
  expireOffsets,
  RETENTION_CHECK_INTERVAL_MS,
  subscribedTopicsOfClassic,
} from "./retention.ts";

export interface GroupCoordinatorDeps {
  clock: Clock;
  random: Random;
  logger: Logger;
  log: GroupLog;
  topics: TopicCatalog;
  settings: GroupSettings;
}

export interface OffsetCommitPartition {
  partition: number;
  offset: number;
  leaderEpoch: number;
  metadata: string | null;
  /** OffsetCommit v1's per-partition timestamp; -1: now. */
  commitTimestamp: number;
}

export interface OffsetCommitRequest {
  groupId: string;
  generationIdOrMemberEpoch: number;
  memberId: string;
  groupInstanceId: string | null;
  /** v2–v4; -1: broker default. */
  retentionTimeMs: number;
  topics: { name: string; partitions: OffsetCommitPartition[] }[];
  apiVersion: number;
}

export type TopicPartitionErrors = {
  name: string;
  partitions: { partition: number; errorCode: number }[];
}[];

export interface FetchedOffset {
  partition: number;
  offset: number;
  leaderEpoch: number;
  metadata: string;
  errorCode: number;
}

export interface FetchedGroup {
  errorCode: number;
  topics: { name: string; partitions: FetchedOffset[] }[];
}

export interface DescribedClassicGroup {
  groupId: string;
  errorCode: number;
  state: string;
  protocolType: string;
  protocol: string;
  members: {
    memberId: string;
    groupInstanceId: string | null;
    clientId: string;
    clientHost: string;
    metadata: Uint8Array;
    assignment: Uint8Array;
  }[];
}

export interface ListedGroup {
  groupId: string;
  protocolType: string;
  state: string;
  type: "classic" | "consumer";
}

export class GroupCoordinator {
  readonly ctx: GroupContext;
  private retentionTimer: Timer | null = null;
  /** Times each group was deleted: a commit in flight across a deletion is not applied. */
  private readonly deletions = new Map<string, number>();
  /** Commits written but not yet durable, per group: a deletion tombstones them too. */
  private readonly inFlight = new Map<
    string,
    Map<string, { topic: string; partition: number; count: number }>
  >();
  private stopped = false;

  constructor(deps: GroupCoordinatorDeps) {
    this.ctx = {
      clock: deps.clock,
      random: deps.random,
      logger: deps.logger,
      settings: deps.settings,
      log: deps.log,
      topics: deps.topics,
      groups: new Map(),
      offsets: new OffsetStore(),
    };
  }

  /** Replays `__consumer_offsets` and starts the retention timer. */
  async start(): Promise<void> {
    const counts = await loadGroups(this.ctx);
    this.ctx.logger.info("group coordinator loaded", counts);
    this.scheduleRetention();
  }

  /** Stops timers and answers parked JoinGroup/SyncGroup calls: another node (or this one, restarted) takes over. */
  stop(): void {
    this.stopped = true;
    this.retentionTimer?.cancel();
    for (const group of this.ctx.groups.values()) {
      if (group.type === "consumer") {
        stopConsumerGroup(group);
        continue;
      }
      group.rebalanceTimer?.cancel();
      for (const t of group.pendingMembers.values()) t.cancel();
      for (const m of group.members.values()) {
        m.sessionTimer?.cancel();
        const jw = m.joinWaiter;
        const sw = m.syncWaiter;
        m.joinWaiter = null;
        m.syncWaiter = null;
        jw?.(joinError(m.memberId, ErrorCode.NOT_COORDINATOR));
        sw?.(syncError(ErrorCode.NOT_COORDINATOR));
      }
    }
  }

  group(groupId: string): Group | undefined {
    return this.ctx.groups.get(groupId);
  }

  // ------------------------------------------------------------ classic protocol

  joinGroup(req: JoinRequest): Promise<JoinResult> {
    if (req.groupId === "")
      return Promise.resolve(joinError(req.memberId, ErrorCode.INVALID_GROUP_ID));
    const s = this.ctx.settings;
    if (
      req.sessionTimeoutMs < s.minSessionTimeoutMs ||
      req.sessionTimeoutMs > s.maxSessionTimeoutMs
    ) {
      return Promise.resolve(joinError(req.memberId, ErrorCode.INVALID_SESSION_TIMEOUT));
    }
    let group = this.ctx.groups.get(req.groupId);
    if (group?.type === "consumer") {
      // KIP-848 online downgrade, the simple case: an empty consumer group becomes classic.
      if (group.members.size > 0) {
        return Promise.resolve(joinError(req.memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
      }
      this.convertEmptyConsumerGroup(group);
      group = undefined;
    }
    if (!group) {
      if (req.memberId !== "")
        return Promise.resolve(joinError(req.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
      group = newClassicGroup(this.ctx, req.groupId);
      this.ctx.groups.set(req.groupId, group);
    }
    const result = joinClassicGroup(this.ctx, group, req);
    this.dropIfUnused(group);
    return result;
  }

  syncGroup(req: SyncRequest): Promise<SyncResult> {
    if (req.groupId === "") return Promise.resolve(syncError(ErrorCode.INVALID_GROUP_ID));
    const group = this.ctx.groups.get(req.groupId);
    if (group?.type !== "classic") return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    return syncClassicGroup(this.ctx, group, req);
  }

  heartbeat(
    groupId: string,
    memberId: string,
    instanceId: string | null,
    generationId: number,
  ): number {
    if (groupId === "") return ErrorCode.INVALID_GROUP_ID;
    const group = this.ctx.groups.get(groupId);
    if (group?.type !== "classic") return ErrorCode.UNKNOWN_MEMBER_ID;
    return heartbeatClassic(this.ctx, group, memberId, instanceId, generationId);
  }

  /** LeaveGroup: a top-level error, or one error per member. */
  leaveGroup(
    groupId: string,
    members: { memberId: string; groupInstanceId: string | null }[],
  ): { errorCode: number; members: number[] } {
    if (groupId === "") return { errorCode: ErrorCode.INVALID_GROUP_ID, members: [] };
    const group = this.ctx.groups.get(groupId);
    if (group?.type !== "classic") return { errorCode: ErrorCode.UNKNOWN_MEMBER_ID, members: [] };
    return {
      errorCode: ErrorCode.NONE,
      members: members.map((m) => leaveClassic(this.ctx, group, m.memberId, m.groupInstanceId)),
    };
  }

  // ------------------------------------------------------------ KIP-848

  consumerHeartbeat(req: ConsumerHeartbeatRequest): Promise<ConsumerHeartbeatResult> {
    const existing = this.ctx.groups.get(req.groupId);
    if (existing?.type === "classic" && req.groupId !== "") {
      // KIP-848 online upgrade, the simple case: an empty classic group becomes a consumer group.
      if (
        existing.members.size > 0 ||
        existing.pendingMembers.size > 0 ||
        existing.state !== "Empty"
      ) {
        return Promise.resolve({
          errorCode: ErrorCode.GROUP_ID_NOT_FOUND,
          errorMessage: `Group ${req.groupId} is not a consumer group`,
          memberId: null,
          memberEpoch: -1,
          heartbeatIntervalMs: 0,
          assignment: null,
        });
      }
      this.ctx.groups.delete(req.groupId);
      writeGroupRecords(this.ctx, req.groupId, [
        { key: encodeKey({ type: RecordType.GroupMetadata, group: req.groupId }), value: null },
      ]).catch((err) =>
        this.ctx.logger.warn("classic group tombstone failed", { error: String(err) }),
      );
    }
    return consumerGroupHeartbeat(this.ctx, req);
  }

  private convertEmptyConsumerGroup(group: ConsumerGroup): void {
    stopConsumerGroup(group);
    this.ctx.groups.delete(group.groupId);
    writeGroupRecords(this.ctx, group.groupId, consumerGroupTombstones(group)).catch((err) =>
      this.ctx.logger.warn("consumer group tombstones failed", { error: String(err) }),
    );
  }

  // ------------------------------------------------------------ offsets

  async commitOffsets(req: OffsetCommitRequest): Promise<TopicPartitionErrors> {
    const all = (code: number): TopicPartitionErrors =>
      req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partition: p.partition, errorCode: code })),
      }));
    if (req.groupId === "") return all(ErrorCode.INVALID_GROUP_ID);
    const check = this.validateCommit(req);
    if (check !== ErrorCode.NONE) return all(check);
    const now = this.ctx.clock.nowMs();
    const expire =
      req.retentionTimeMs >= 0 && req.apiVersion >= 2 && req.apiVersion <= 4
        ? now + req.retentionTimeMs
        : -1;
    const records: GroupRecord[] = [];
    const accepted: { topic: string; partition: number; value: CommittedOffset }[] = [];
    const result: TopicPartitionErrors = [];
    for (const t of req.topics) {
      const partitions: { partition: number; errorCode: number }[] = [];
      for (const p of t.partitions) {
        const metadata = p.metadata ?? "";
        if (Buffer.byteLength(metadata) > this.ctx.settings.offsetMetadataMaxBytes) {
          partitions.push({
            partition: p.partition,
            errorCode: ErrorCode.OFFSET_METADATA_TOO_LARGE,
          });
          continue;
        }
        const value: CommittedOffset = {
          offset: p.offset,
          leaderEpoch: p.leaderEpoch,
          metadata,
          commitTimestamp: p.commitTimestamp >= 0 ? p.commitTimestamp : now,
          expireTimestamp: expire,
        };
        records.push({
          key: encodeKey({
            type: RecordType.OffsetCommit,
            group: req.groupId,
            topic: t.name,
            partition: p.partition,
          }),
          value: encodeOffsetCommitValue(value),
        });
        accepted.push({ topic: t.name, partition: p.partition, value });
        partitions.push({ partition: p.partition, errorCode: ErrorCode.NONE });
      }
      result.push({ name: t.name, partitions });
    }
    if (records.length === 0) return result;
    if (!this.ctx.groups.has(req.groupId)) {
      // A simple consumer's (or admin's) commit creates an empty group, as in Kafka.
      this.ctx.groups.set(req.groupId, newClassicGroup(this.ctx, req.groupId));
    }
    const deletionsBefore = this.deletions.get(req.groupId) ?? 0;
    this.trackInFlight(req.groupId, accepted, 1);
    try {
      await writeGroupRecords(this.ctx, req.groupId, records);
    } catch (err) {
      this.trackInFlight(req.groupId, accepted, -1);
      const code = errorCodeOf(err);
      for (const t of result)
        for (const p of t.partitions) if (p.errorCode === ErrorCode.NONE) p.errorCode = code;
      return result;
    }
    this.trackInFlight(req.groupId, accepted, -1);
    // Durable now: visible to OffsetFetch. Appends complete in order, so later commits win.
    // A group deleted meanwhile wrote its tombstones after this commit: they win, as in the log.
    if ((this.deletions.get(req.groupId) ?? 0) !== deletionsBefore) return result;
    for (const a of accepted) this.ctx.offsets.set(req.groupId, a.topic, a.partition, a.value);
    return result;
  }

  private trackInFlight(
    groupId: string,
    list: readonly { topic: string; partition: number }[],
    delta: 1 | -1,
  ): void {
    let byKey = this.inFlight.get(groupId);
    if (!byKey) {
      if (delta < 0) return;
      byKey = new Map();
      this.inFlight.set(groupId, byKey);
    }
    for (const { topic, partition } of list) {
      const key = `${topic}\0${partition}`;
      const entry = byKey.get(key) ?? { topic, partition, count: 0 };
      entry.count += delta;
      if (entry.count > 0) byKey.set(key, entry);
      else byKey.delete(key);
    }
    if (byKey.size === 0) this.inFlight.delete(groupId);
  }

  private validateCommit(req: OffsetCommitRequest): number {
    const group = this.ctx.groups.get(req.groupId);
    const gen = req.generationIdOrMemberEpoch;
    if (!group) return gen < 0 ? ErrorCode.NONE : ErrorCode.ILLEGAL_GENERATION;
    if (group.type === "consumer") {
      if (gen < 0 && req.memberId === "" && group.members.size === 0) return ErrorCode.NONE;
      const member = group.members.get(req.memberId);
      if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
      // KIP-848: a commit from an older epoch is stale; classic-protocol versions cannot tell.
      if (req.apiVersion < 9) return ErrorCode.UNSUPPORTED_VERSION;
      if (gen !== member.memberEpoch) return ErrorCode.STALE_MEMBER_EPOCH;
      return ErrorCode.NONE;
    }
    if (group.state === "Dead") return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (gen < 0 && group.state === "Empty") return ErrorCode.NONE;
    if (req.groupInstanceId !== null) {
      const owner = group.staticMembers.get(req.groupInstanceId);
      if (owner !== undefined && owner !== req.memberId) return ErrorCode.FENCED_INSTANCE_ID;
    }
    if (!group.members.has(req.memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (gen !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    if (group.state === "CompletingRebalance") return ErrorCode.REBALANCE_IN_PROGRESS;
    return ErrorCode.NONE;
  }

  /**
   * OffsetFetch for one group. `topics` null: every committed offset. Only decided
   * offsets live here; the handler marks partitions with an undecided transactional
   * commit (require_stable).
   */
  fetchOffsets(
    groupId: string,
    topics: { name: string; partitions: number[] }[] | null,
    member: { memberId: string | null; memberEpoch: number } | null = null,
  ): FetchedGroup {
    if (groupId === "") return { errorCode: ErrorCode.INVALID_GROUP_ID, topics: [] };
    const group = this.ctx.groups.get(groupId);
    if (member !== null && member.memberId !== null && group?.type === "consumer") {
      const m = group.members.get(member.memberId);
      if (!m) return { errorCode: ErrorCode.UNKNOWN_MEMBER_ID, topics: [] };
      if (member.memberEpoch !== m.memberEpoch)
        return { errorCode: ErrorCode.STALE_MEMBER_EPOCH, topics: [] };
    }
    const store = this.ctx.offsets;
    const entry = (topic: string, partition: number): FetchedOffset => {
      const v = store.get(groupId, topic, partition);
      return v
        ? {
            partition,
            offset: v.offset,
            leaderEpoch: v.leaderEpoch,
            metadata: v.metadata,
            errorCode: ErrorCode.NONE,
          }
        : { partition, offset: -1, leaderEpoch: -1, metadata: "", errorCode: ErrorCode.NONE };
    };
    if (topics !== null) {
      return {
        errorCode: ErrorCode.NONE,
        topics: topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => entry(t.name, p)),
        })),
      };
    }
    const byTopic = new Map<string, FetchedOffset[]>();
    for (const e of store.entries(groupId)) {
      let list = byTopic.get(e.topic);
      if (!list) {
        list = [];
        byTopic.set(e.topic, list);
      }
      list.push(entry(e.topic, e.partition));
    }
    return {
      errorCode: ErrorCode.NONE,
      topics: [...byTopic].map(([name, partitions]) => ({
        name,
        partitions: partitions.sort((a, b) => a.partition - b.partition),
      })),
    };
  }

  /** OffsetDelete: a group-level error, or per-partition errors. */
  async deleteOffsets(
    groupId: string,
    topics: { name: string; partitions: number[] }[],
  ): Promise<{ errorCode: number; topics: TopicPartitionErrors }> {
    if (groupId === "") return { errorCode: ErrorCode.INVALID_GROUP_ID, topics: [] };
    const group = this.ctx.groups.get(groupId);
    if (!group) return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, topics: [] };
    let subscribed: Set<string>;
    if (group.type === "classic") {
      if (group.state === "Dead") return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, topics: [] };
      if (!group.isEmpty() && group.protocolType !== "consumer") {
        return { errorCode: ErrorCode.NON_EMPTY_GROUP, topics: [] };
      }
      subscribed = subscribedTopicsOfClassic(group);
    } else {
      subscribed = new Set(group.subscribedTopicNames(this.ctx.topics));
    }
    const records: GroupRecord[] = [];
    const removed: { topic: string; partition: number }[] = [];
    const result: TopicPartitionErrors = topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((partition) => {
        if (subscribed.has(t.name))
          return { partition, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC };
        if (this.ctx.offsets.get(groupId, t.name, partition)) {
          records.push({
            key: encodeKey({
              type: RecordType.OffsetCommit,
              group: groupId,
              topic: t.name,
              partition,
            }),
            value: null,
          });
          removed.push({ topic: t.name, partition });
        }
        return { partition, errorCode: ErrorCode.NONE };
      }),
    }));
    if (records.length > 0) {
      try {
        await writeGroupRecords(this.ctx, groupId, records);
      } catch (err) {
        return { errorCode: errorCodeOf(err), topics: [] };
      }
      for (const r of removed) this.ctx.offsets.delete(groupId, r.topic, r.partition);
    }
    return { errorCode: ErrorCode.NONE, topics: result };
  }

  // ------------------------------------------------------------ admin

  describeClassicGroup(groupId: string): DescribedClassicGroup {
    const dead: DescribedClassicGroup = {
      groupId,
      errorCode: ErrorCode.NONE,
      state: "Dead",
      protocolType: "",
      protocol: "",
      members: [],
    };
    if (groupId === "") return { ...dead, errorCode: ErrorCode.INVALID_GROUP_ID };
    const group = this.ctx.groups.get(groupId);
    // Kafka answers Dead for unknown groups and for consumer groups before DescribeGroups v6.
    if (group?.type !== "classic") return dead;
    const protocol = group.protocolName ?? "";
    const showMembers =
      group.state === "Stable" ||
      group.state === "CompletingRebalance" ||
      group.state === "PreparingRebalance";
    return {
      groupId,
      errorCode: ErrorCode.NONE,
      state: group.state,
      protocolType: group.protocolType ?? "",
      protocol: group.state === "Stable" || group.state === "CompletingRebalance" ? protocol : "",
      members: showMembers
        ? [...group.members.values()].map((m) => ({
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            clientId: m.clientId,
            clientHost: m.clientHost,
            // Kafka shows metadata and assignment only once a protocol is chosen.
            metadata:
              group.state === "Stable" || group.state === "CompletingRebalance"
                ? m.metadataFor(protocol)
                : new Uint8Array(0),
            assignment: group.state === "Stable" ? m.assignment : new Uint8Array(0),
          }))
        : [],
    };
  }

  listGroups(states: readonly string[], types: readonly string[]): ListedGroup[] {
    const stateSet = new Set(states.map((s) => s.toLowerCase()));
    const typeSet = new Set(types.map((t) => t.toLowerCase()));
    const out: ListedGroup[] = [];
    for (const g of this.ctx.groups.values()) {
      const listed: ListedGroup =
        g.type === "classic"
          ? {
              groupId: g.groupId,
              protocolType: g.protocolType ?? "",
              state: g.state,
              type: "classic",
            }
          : {
              groupId: g.groupId,
              protocolType: "consumer",
              state: g.stateName(),
              type: "consumer",
            };
      if (listed.state === "Dead") continue;
      if (stateSet.size > 0 && !stateSet.has(listed.state.toLowerCase())) continue;
      if (typeSet.size > 0 && !typeSet.has(listed.type)) continue;
      out.push(listed);
    }
    return out.sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
  }

  /** DeleteGroups: one error code per group, in order. */
  async deleteGroups(groupIds: readonly string[]): Promise<number[]> {
    const results: Promise<number>[] = groupIds.map((groupId) => {
      if (groupId === "") return Promise.resolve(ErrorCode.INVALID_GROUP_ID);
      const group = this.ctx.groups.get(groupId);
      if (!group) return Promise.resolve(ErrorCode.GROUP_ID_NOT_FOUND);
      if (
        group.type === "classic" &&
        (group.state === "Dead" || !group.isEmpty() || group.state !== "Empty")
      ) {
        return Promise.resolve(
          group.state === "Dead" ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.NON_EMPTY_GROUP,
        );
      }
      if (group.type === "consumer" && group.members.size > 0)
        return Promise.resolve(ErrorCode.NON_EMPTY_GROUP);
      return this.deleteGroupNow(group);
    });
    return Promise.all(results);
  }

  /** Tombstones a group and its offsets; the group is gone for everyone at once. */
  private deleteGroupNow(group: Group): Promise<number> {
    const groupId = group.groupId;
    const partitions = new Map<string, { topic: string; partition: number }>();
    for (const e of this.ctx.offsets.entries(groupId))
      partitions.set(`${e.topic}\0${e.partition}`, e);
    for (const [key, e] of this.inFlight.get(groupId) ?? []) partitions.set(key, e);
    const records: GroupRecord[] = [...partitions.values()].map((e) => ({
      key: encodeKey({
        type: RecordType.OffsetCommit,
        group: groupId,
        topic: e.topic,
        partition: e.partition,
      }),
      value: null,
    }));
    if (group.type === "classic") {
      group.rebalanceTimer?.cancel();
      group.transition("Dead", this.ctx.clock.nowMs());
      records.push({
        key: encodeKey({ type: RecordType.GroupMetadata, group: groupId }),
        value: null,
      });
    } else {
      stopConsumerGroup(group);
      records.push(...consumerGroupTombstones(group));
    }
    this.ctx.groups.delete(groupId);
    this.ctx.offsets.deleteGroup(groupId);
    this.deletions.set(groupId, (this.deletions.get(groupId) ?? 0) + 1);
    return writeGroupRecords(this.ctx, groupId, records).then(
      () => ErrorCode.NONE,
      (err) => errorCodeOf(err),
    );
  }

  private dropIfUnused(group: ClassicGroup): void {
    if (
      group.state === "Empty" &&
      group.isEmpty() &&
      group.pendingMembers.size === 0 &&
      group.generationId === 0 &&
      !this.ctx.offsets.hasOffsets(group.groupId) &&
      this.ctx.groups.get(group.groupId) === group
    ) {
      this.ctx.groups.delete(group.groupId);
    }
  }

  // ------------------------------------------------------------ retention

  private scheduleRetention(): void {
    if (this.stopped) return;
    this.retentionTimer = this.ctx.clock.setTimer(RETENTION_CHECK_INTERVAL_MS, () => {
      this.expireOffsets().finally(() => this.scheduleRetention());
    });
  }

  /** One retention pass (retention.ts); the timer runs it every 10 minutes. */
  expireOffsets(): Promise<number> {
    return expireOffsets(this.ctx, (group) => this.deleteGroupNow(group));
  }
}
