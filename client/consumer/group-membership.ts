/**
 * Membership in a classic consumer group: FindCoordinator, JoinGroup (with the
 * MEMBER_ID_REQUIRED round trip of KIP-394), the leader's assignment, SyncGroup,
 * background Heartbeats and LeaveGroup. Eager rebalancing: every join starts from an
 * empty assignment, as the `range` and `roundrobin` protocols require.
 */
import type { Cluster, NodeConnection } from "../cluster.ts";
import { ClientError, KafkaError } from "../errors.ts";
import { kafkaError } from "../kafka-errors.ts";
import { Apis } from "../net/apis.ts";
import { backoffDelayMs } from "../net/retry.ts";
import { groupCoordinator } from "../offsets.ts";
import type { Assignor, MemberSubscription } from "./assignors.ts";
import {
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
} from "./member-protocol.ts";

export interface MembershipOptions {
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  heartbeatIntervalMs: number;
  assignors: readonly Assignor[];
  groupInstanceId: string | null;
  /**
   * Connection lane for coordinator traffic. Brokers handle one request per connection at
   * a time and JoinGroup blocks until the rebalance completes, so members in one process
   * must not share a connection to the coordinator.
   */
  lane: string;
}

const E = {
  COORDINATOR_LOAD_IN_PROGRESS: 14,
  COORDINATOR_NOT_AVAILABLE: 15,
  NOT_COORDINATOR: 16,
  ILLEGAL_GENERATION: 22,
  UNKNOWN_MEMBER_ID: 25,
  REBALANCE_IN_PROGRESS: 27,
  INVALID_REQUEST: 42,
  MEMBER_ID_REQUIRED: 79,
} as const;

const COORDINATOR_ERRORS: ReadonlySet<number> = new Set([
  E.COORDINATOR_LOAD_IN_PROGRESS,
  E.COORDINATOR_NOT_AVAILABLE,
  E.NOT_COORDINATOR,
]);

export class GroupMembership {
  readonly groupId: string;
  memberId = "";
  generationId = -1;
  protocolName: string | null = null;
  /** Set by heartbeats (or errors) when the group is rebalancing and we must rejoin. */
  needsJoin = true;
  readonly #cluster: Cluster;
  readonly #opts: MembershipOptions;
  #coordinator: NodeConnection | null = null;
  #heartbeat: ReturnType<typeof setInterval> | null = null;
  #heartbeatInFlight = false;
  /**
   * As leader: the partition count per subscribed topic the last assignment used (-1 for a
   * topic that did not exist). A change means the group must rebalance, as in Java.
   */
  assignedCounts: Map<string, number> | null = null;
  /** A fatal error seen by the heartbeat, surfaced by the next poll. */
  fatal: Error | null = null;

  constructor(cluster: Cluster, groupId: string, opts: MembershipOptions) {
    this.#cluster = cluster;
    this.groupId = groupId;
    this.#opts = opts;
  }

  get memberInfo(): { generationId: number; memberId: string; groupInstanceId: string | null } {
    return {
      generationId: this.generationId,
      memberId: this.memberId,
      groupInstanceId: this.#opts.groupInstanceId,
    };
  }

  async coordinator(): Promise<NodeConnection> {
    if (this.#coordinator && !this.#coordinator.connection.closed) return this.#coordinator;
    this.#coordinator = await groupCoordinator(this.#cluster, this.groupId, this.#opts.lane);
    return this.#coordinator;
  }

  /** Joins (or rejoins) the group; returns this member's assignment. */
  async join(topics: readonly string[], deadlineMs: number): Promise<Map<string, number[]>> {
    this.stopHeartbeat();
    for (let attempt = 0; ; attempt++) {
      if (Date.now() > deadlineMs)
        throw new ClientError("timeout", `joining group ${this.groupId} timed out`);
      try {
        const assignment = await this.#joinOnce(topics);
        this.needsJoin = false;
        this.#startHeartbeat();
        return assignment;
      } catch (err) {
        if (!(err instanceof KafkaError || err instanceof ClientError) || !this.#rejoinable(err))
          throw err;
        await Bun.sleep(backoffDelayMs(Math.min(attempt, 5), 100, 1000));
      }
    }
  }

  #rejoinable(err: KafkaError | ClientError): boolean {
    if (err instanceof ClientError) {
      this.#coordinator = null;
      return err.retriable;
    }
    if (COORDINATOR_ERRORS.has(err.errorCode)) this.#coordinator = null;
    if (err.errorCode === E.UNKNOWN_MEMBER_ID) this.memberId = "";
    return (
      COORDINATOR_ERRORS.has(err.errorCode) ||
      err.errorCode === E.UNKNOWN_MEMBER_ID ||
      err.errorCode === E.ILLEGAL_GENERATION ||
      err.errorCode === E.REBALANCE_IN_PROGRESS ||
      err.retriable
    );
  }

  async #joinOnce(topics: readonly string[]): Promise<Map<string, number[]>> {
    const coordinator = await this.coordinator();
    const metadata = encodeSubscription({
      topics: [...topics],
      userData: null,
      ownedPartitions: [],
    });
    const { response: join } = await this.#cluster.send(
      coordinator,
      Apis.JoinGroup,
      (v) => ({
        groupId: this.groupId,
        sessionTimeoutMs: this.#opts.sessionTimeoutMs,
        ...(v >= 1 ? { rebalanceTimeoutMs: this.#opts.rebalanceTimeoutMs } : {}),
        memberId: this.memberId,
        ...(v >= 5 ? { groupInstanceId: this.#opts.groupInstanceId } : {}),
        protocolType: "consumer",
        protocols: this.#opts.assignors.map((a) => ({ name: a.name, metadata })),
      }),
      { timeoutMs: this.#opts.rebalanceTimeoutMs + 5000 },
    );
    if (join.errorCode === E.MEMBER_ID_REQUIRED) {
      // KIP-394: the broker hands out the member id, then we join again with it.
      this.memberId = join.memberId;
      throw kafkaError(E.REBALANCE_IN_PROGRESS, "join group (member id assigned)");
    }
    if (join.errorCode !== 0) throw kafkaError(join.errorCode, `join group ${this.groupId}`);
    this.memberId = join.memberId;
    this.generationId = join.generationId;
    this.protocolName = join.protocolName;
    let assignments: { memberId: string; assignment: Uint8Array }[] = [];
    this.assignedCounts = null;
    if (join.leader === join.memberId && !join.skipAssignment) {
      assignments = await this.#assign(join.protocolName ?? "", join.members);
    }
    const { response: sync } = await this.#cluster.send(
      coordinator,
      Apis.SyncGroup,
      (v) => ({
        groupId: this.groupId,
        generationId: this.generationId,
        memberId: this.memberId,
        ...(v >= 3 ? { groupInstanceId: this.#opts.groupInstanceId } : {}),
        ...(v >= 5 ? { protocolType: "consumer", protocolName: this.protocolName } : {}),
        assignments,
      }),
      { timeoutMs: this.#opts.rebalanceTimeoutMs + 5000 },
    );
    if (sync.errorCode === E.INVALID_REQUEST) {
      // librdkafka's mock cluster answers a follower's SyncGroup that arrives after the
      // leader's completed the round with INVALID_REQUEST; joining again recovers.
      throw kafkaError(E.REBALANCE_IN_PROGRESS, `sync group ${this.groupId} (${sync.errorCode})`);
    }
    if (sync.errorCode !== 0) throw kafkaError(sync.errorCode, `sync group ${this.groupId}`);
    return decodeAssignment(sync.assignment).assigned;
  }

  async #assign(
    protocol: string,
    members: readonly { memberId: string; groupInstanceId: string | null; metadata: Uint8Array }[],
  ): Promise<{ memberId: string; assignment: Uint8Array }[]> {
    const assignor = this.#opts.assignors.find((a) => a.name === protocol);
    if (!assignor)
      throw new ClientError(
        "unsupported",
        `group chose assignor "${protocol}", which this client lacks`,
      );
    const subs: MemberSubscription[] = members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      topics: decodeSubscription(m.metadata).topics,
    }));
    const allTopics = [...new Set(subs.flatMap((s) => s.topics))];
    const md = await this.#cluster.refreshMetadata(allTopics);
    const counts = new Map<string, number>();
    for (const t of allTopics) {
      const info = md.topics.get(t);
      if (info && info.errorCode === 0) counts.set(t, info.partitions.length);
    }
    this.assignedCounts = new Map(allTopics.map((t) => [t, counts.get(t) ?? -1]));
    const result = assignor.assign(subs, counts);
    return [...result].map(([memberId, assigned]) => ({
      memberId,
      assignment: encodeAssignment({ assigned, userData: null }),
    }));
  }

  /**
   * Leader only: refreshes metadata and asks for a rebalance when a subscribed topic gained
   * partitions or appeared since the last assignment (`topic add-partitions` reaches
   * running consumers this way).
   */
  async checkPartitionCounts(): Promise<void> {
    const counts = this.assignedCounts;
    if (!counts || this.needsJoin) return;
    const md = await this.#cluster.refreshMetadata([...counts.keys()]);
    for (const [topic, n] of counts) {
      const info = md.topics.get(topic);
      const now = info && info.errorCode === 0 ? info.partitions.length : -1;
      if (now !== n) {
        this.needsJoin = true;
        return;
      }
    }
  }

  #startHeartbeat(): void {
    this.stopHeartbeat();
    this.#heartbeat = setInterval(() => void this.#beat(), this.#opts.heartbeatIntervalMs);
  }

  stopHeartbeat(): void {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
  }

  async #beat(): Promise<void> {
    if (this.#heartbeatInFlight || this.needsJoin) return;
    this.#heartbeatInFlight = true;
    try {
      const coordinator = await this.coordinator();
      const { response } = await this.#cluster.send(coordinator, Apis.Heartbeat, (v) => ({
        groupId: this.groupId,
        generationId: this.generationId,
        memberId: this.memberId,
        ...(v >= 3 ? { groupInstanceId: this.#opts.groupInstanceId } : {}),
      }));
      const code = response.errorCode;
      if (code === 0) return;
      if (code === E.REBALANCE_IN_PROGRESS || code === E.ILLEGAL_GENERATION) this.needsJoin = true;
      else if (code === E.UNKNOWN_MEMBER_ID) {
        this.memberId = "";
        this.needsJoin = true;
      } else if (COORDINATOR_ERRORS.has(code)) this.#coordinator = null;
      else this.fatal = kafkaError(code, `heartbeat in group ${this.groupId}`);
    } catch {
      // Connection trouble: find the coordinator again on the next beat.
      this.#coordinator = null;
    } finally {
      this.#heartbeatInFlight = false;
    }
  }

  /** Leaves the group so partitions move to other members at once (not after the session timeout). */
  async leave(): Promise<void> {
    this.stopHeartbeat();
    if (!this.memberId) return;
    try {
      const coordinator = await this.coordinator();
      await this.#cluster.send(coordinator, Apis.LeaveGroup, (v) =>
        v >= 3
          ? {
              groupId: this.groupId,
              members: [{ memberId: this.memberId, groupInstanceId: this.#opts.groupInstanceId }],
            }
          : { groupId: this.groupId, memberId: this.memberId },
      );
    } finally {
      this.memberId = "";
      this.generationId = -1;
      this.needsJoin = true;
    }
  }
}
