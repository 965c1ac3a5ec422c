/**
 * The consumer: manual assignment (`assign`) or group subscription (`subscribe`), a
 * position per partition, fetches pipelined to every leader at once over a dedicated
 * "fetch" connection with incremental fetch sessions, auto or manual commits, seek,
 * pause and resume. `poll` drives everything: rejoining after a rebalance, initialising
 * positions (committed offset, else `autoOffsetReset`), fetching and auto-committing.
 */

import type { Cluster } from "../cluster.ts";
import { appendTo } from "../collections.ts";
import { ClientError, KafkaError } from "../errors.ts";
import { kafkaError } from "../kafka-errors.ts";
import { Apis } from "../net/apis.ts";
import {
  commitOffsets,
  EARLIEST,
  fetchCommitted,
  LATEST,
  listOffsets,
  type OffsetToCommit,
  type TopicPartition,
  tpKey,
} from "../offsets.ts";
import { ASSIGNORS, type Assignor } from "./assignors.ts";
import { FetchSession, type WantedPartition } from "./fetch-session.ts";
import { appendFetchedRecords, type ConsumerRecord } from "./fetched-records.ts";
import { GroupMembership } from "./group-membership.ts";
import { RecordBuffer } from "./record-buffer.ts";

export type { ConsumerRecord };

export interface ConsumerOptions {
  /** Needed for `subscribe` and for commits. */
  groupId?: string;
  groupInstanceId?: string;
  /** Where to start without a committed offset: "earliest", "latest" (default) or "none" (error). */
  autoOffsetReset?: "earliest" | "latest" | "none";
  autoCommit?: boolean;
  autoCommitIntervalMs?: number;
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** Assignor protocol names in preference order. Default ["range", "roundrobin"]. */
  assignors?: readonly (string | Assignor)[];
  maxWaitMs?: number;
  minBytes?: number;
  maxBytes?: number;
  maxPartitionBytes?: number;
  maxPollRecords?: number;
  /** How often the group leader looks for new partitions of subscribed topics. Default 5 s. */
  metadataCheckIntervalMs?: number;
  isolationLevel?: "read_uncommitted" | "read_committed";
  /** Called after a rebalance hands this member its partitions. */
  onAssign?: (partitions: TopicPartition[]) => void;
  /** Called before a rebalance takes partitions away (after the auto-commit). */
  onRevoke?: (partitions: TopicPartition[]) => void;
}

interface PartitionState {
  topic: string;
  partition: number;
  /** Next offset to fetch; null until initialised. Runs ahead of `consumed` by what is buffered. */
  position: number | null;
  /** Next offset to hand to the application (what commits and `position()` report). */
  consumed: number | null;
  paused: boolean;
  highWatermark: number;
}

export interface ConsumerLag extends TopicPartition {
  position: number | null;
  highWatermark: number;
}

let consumerCount = 0;

export class Consumer {
  readonly #cluster: Cluster;
  readonly #opts: Required<
    Omit<ConsumerOptions, "groupId" | "groupInstanceId" | "onAssign" | "onRevoke" | "assignors">
  >;
  readonly #groupId: string | null;
  readonly #membership: GroupMembership | null;
  readonly #onAssign: ConsumerOptions["onAssign"];
  readonly #onRevoke: ConsumerOptions["onRevoke"];
  readonly #partitions = new Map<string, PartitionState>();
  readonly #sessions = new Map<number, FetchSession>();
  #subscription: string[] | null = null;
  /** Fetched records not yet returned by poll, in runs per partition state. */
  readonly #buffer = new RecordBuffer<ConsumerRecord, PartitionState>();
  #lastCommitMs = Date.now();
  #lastMetadataCheckMs = Date.now();
  /** Positions as of the last commit, so unchanged offsets are not committed again. */
  #committed = new Map<string, number>();
  #closed = false;
  /** The fetch currently out (at most one; it may be a prefetch). */
  #inFlight: Promise<void> | null = null;
  #fetchError: unknown = null;
  /** Connection lanes of this consumer: its own, so its long polls and joins block no one else. */
  readonly #lane = `consumer-${++consumerCount}`;

  constructor(cluster: Cluster, opts: ConsumerOptions = {}) {
    this.#cluster = cluster;
    this.#groupId = opts.groupId ?? null;
    this.#opts = {
      autoOffsetReset: opts.autoOffsetReset ?? "latest",
      autoCommit: opts.autoCommit ?? this.#groupId !== null,
      autoCommitIntervalMs: opts.autoCommitIntervalMs ?? 5000,
      sessionTimeoutMs: opts.sessionTimeoutMs ?? 45_000,
      rebalanceTimeoutMs: opts.rebalanceTimeoutMs ?? 60_000,
      heartbeatIntervalMs: opts.heartbeatIntervalMs ?? 3000,
      maxWaitMs: opts.maxWaitMs ?? 500,
      minBytes: opts.minBytes ?? 1,
      maxBytes: opts.maxBytes ?? 50 * 1024 * 1024,
      maxPartitionBytes: opts.maxPartitionBytes ?? 1024 * 1024,
      maxPollRecords: opts.maxPollRecords ?? 10_000,
      metadataCheckIntervalMs: opts.metadataCheckIntervalMs ?? 5000,
      isolationLevel: opts.isolationLevel ?? "read_uncommitted",
    };
    this.#onAssign = opts.onAssign;
    this.#onRevoke = opts.onRevoke;
    const assignors = (opts.assignors ?? ["range", "roundrobin"]).map((a) => {
      if (typeof a !== "string") return a;
      const found = ASSIGNORS[a];
      if (!found)
        throw new ClientError(
          "invalid_argument",
          `unknown assignor "${a}" (have ${Object.keys(ASSIGNORS).join(", ")})`,
        );
      return found;
    });
    this.#membership = this.#groupId
      ? new GroupMembership(cluster, this.#groupId, {
          sessionTimeoutMs: this.#opts.sessionTimeoutMs,
          rebalanceTimeoutMs: this.#opts.rebalanceTimeoutMs,
          heartbeatIntervalMs: this.#opts.heartbeatIntervalMs,
          assignors,
          groupInstanceId: opts.groupInstanceId ?? null,
          lane: this.#lane,
        })
      : null;
  }

  /** Joins the group for these topics (partitions are assigned by the group leader). */
  subscribe(topics: readonly string[]): void {
    if (!this.#membership) throw new ClientError("invalid_argument", "subscribe needs a groupId");
    this.#subscription = [...topics].sort();
    this.#cluster.track(topics);
    this.#membership.needsJoin = true;
  }

  /** Takes these partitions directly (no group); `offset` sets the starting position. */
  assign(partitions: readonly (TopicPartition & { offset?: number })[]): void {
    this.#subscription = null;
    this.#partitions.clear();
    this.#buffer.clear();
    for (const p of partitions) {
      this.#partitions.set(tpKey(p.topic, p.partition), {
        topic: p.topic,
        partition: p.partition,
        position: p.offset ?? null,
        consumed: p.offset ?? null,
        paused: false,
        highWatermark: -1,
      });
    }
    this.#cluster.track(partitions.map((p) => p.topic));
  }

  assignment(): TopicPartition[] {
    return [...this.#partitions.values()].map(({ topic, partition }) => ({ topic, partition }));
  }

  /** Moves the position of a partition; the next poll fetches from `offset`. */
  seek(tp: TopicPartition, offset: number): void {
    const s = this.#state(tp);
    s.position = offset;
    s.consumed = offset;
    this.#buffer.drop((owner) => owner === s);
  }

  pause(tps: readonly TopicPartition[]): void {
    const paused = new Set<PartitionState>();
    for (const tp of tps) {
      const s = this.#state(tp);
      s.paused = true;
      // Buffered records are dropped, so fetching resumes from what the app has seen.
      s.position = s.consumed;
      paused.add(s);
    }
    this.#buffer.drop((owner) => paused.has(owner));
  }

  resume(tps: readonly TopicPartition[]): void {
    for (const tp of tps) {
      const s = this.#state(tp);
      if (s.paused) {
        s.paused = false;
        // Records dropped at pause time are fetched again from the position.
      }
    }
  }

  position(tp: TopicPartition): number | null {
    return this.#state(tp).consumed;
  }

  /** Per-partition position and high watermark as of the last fetch. */
  lag(): ConsumerLag[] {
    return [...this.#partitions.values()].map((s) => ({
      topic: s.topic,
      partition: s.partition,
      position: s.consumed,
      highWatermark: s.highWatermark,
    }));
  }

  #state(tp: TopicPartition): PartitionState {
    const s = this.#partitions.get(tpKey(tp.topic, tp.partition));
    if (!s)
      throw new ClientError(
        "invalid_argument",
        `${tp.topic}/${tp.partition} is not assigned to this consumer`,
      );
    return s;
  }

  /** Returns the next records (possibly none after `timeoutMs`). */
  async poll(timeoutMs = 1000): Promise<ConsumerRecord[]> {
    if (this.#closed) throw new ClientError("closed", "consumer is closed");
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // close() while a poll waits: the poll ends empty instead of spinning on dead lanes.
      if (this.#closed) return [];
      if (this.#membership?.fatal) throw this.#membership.fatal;
      if (
        this.#subscription &&
        Date.now() - this.#lastMetadataCheckMs >= this.#opts.metadataCheckIntervalMs
      ) {
        this.#lastMetadataCheckMs = Date.now();
        await this.#membership?.checkPartitionCounts().catch(() => {});
      }
      if (this.#subscription && this.#membership?.needsJoin)
        await this.#rebalance(deadline + this.#opts.rebalanceTimeoutMs);
      await this.#initPositions();
      if (this.#fetchError) {
        const err = this.#fetchError;
        this.#fetchError = null;
        throw err;
      }
      if (this.#buffer.size > 0) {
        const out = this.#take();
        // Prefetch: the next fetch runs while the application handles these records.
        if (this.#buffer.size === 0) void this.#startFetch(this.#opts.maxWaitMs);
        await this.#maybeAutoCommit();
        return out;
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        await this.#maybeAutoCommit();
        return [];
      }
      if (this.#fetchable().length === 0) {
        await Bun.sleep(Math.min(50, remaining));
        continue;
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        this.#startFetch(Math.min(this.#opts.maxWaitMs, remaining)),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, remaining);
        }),
      ]);
      clearTimeout(timer);
    }
  }

  #take(): ConsumerRecord[] {
    // Each partition's position moves past the last of its records handed out.
    return this.#buffer.take(this.#opts.maxPollRecords, advanceConsumed);
  }

  /** Commits `offsets`, or the current positions of every assigned partition. */
  async commit(offsets?: readonly OffsetToCommit[]): Promise<void> {
    if (!this.#groupId || !this.#membership)
      throw new ClientError("invalid_argument", "commit needs a groupId");
    const list =
      offsets ??
      [...this.#partitions.values()]
        .filter(
          (s) =>
            s.consumed !== null && this.#committed.get(tpKey(s.topic, s.partition)) !== s.consumed,
        )
        .map((s) => ({ topic: s.topic, partition: s.partition, offset: s.consumed! }));
    if (list.length === 0) return;
    const member = this.#subscription
      ? this.#membership.memberInfo
      : { generationId: -1, memberId: "" };
    await this.#cluster.retrying(async () => {
      const coordinator = await this.#membership!.coordinator();
      await commitOffsets(this.#cluster, coordinator, this.#groupId!, list, member);
    });
    for (const o of list) this.#committed.set(tpKey(o.topic, o.partition), o.offset);
    this.#lastCommitMs = Date.now();
  }

  /** The group's committed offsets for these partitions (-1 where none). */
  async committed(
    tps: readonly TopicPartition[],
  ): Promise<{ topic: string; partition: number; offset: number }[]> {
    if (!this.#membership)
      throw new ClientError("invalid_argument", "committed offsets need a groupId");
    const coordinator = await this.#membership.coordinator();
    return fetchCommitted(this.#cluster, coordinator, this.#membership.groupId, tps);
  }

  async #maybeAutoCommit(): Promise<void> {
    if (!this.#opts.autoCommit || !this.#groupId) return;
    if (Date.now() - this.#lastCommitMs < this.#opts.autoCommitIntervalMs) return;
    await this.commit().catch(() => {
      // Auto-commit failures are retried at the next interval (as the Java client does).
      this.#lastCommitMs = Date.now();
    });
  }

  async #rebalance(deadlineMs: number): Promise<void> {
    const membership = this.#membership!;
    const owned = this.assignment();
    if (owned.length > 0) {
      if (this.#opts.autoCommit && membership.generationId >= 0)
        await this.commit().catch(() => {});
      this.#onRevoke?.(owned);
    }
    this.#partitions.clear();
    this.#buffer.clear();
    const assigned = await membership.join(this.#subscription ?? [], deadlineMs);
    for (const [topic, partitions] of assigned) {
      for (const partition of partitions) {
        this.#partitions.set(tpKey(topic, partition), {
          topic,
          partition,
          position: null,
          consumed: null,
          paused: false,
          highWatermark: -1,
        });
      }
    }
    this.#cluster.track(assigned.keys());
    this.#onAssign?.(this.assignment());
  }

  async #initPositions(): Promise<void> {
    const missing = [...this.#partitions.values()].filter((s) => s.position === null);
    if (missing.length === 0) return;
    if (this.#membership) {
      const committed = await this.#cluster.retrying(async () =>
        fetchCommitted(
          this.#cluster,
          await this.#membership!.coordinator(),
          this.#membership!.groupId,
          missing,
        ),
      );
      for (const c of committed) {
        const s = this.#partitions.get(tpKey(c.topic, c.partition));
        if (s && c.offset >= 0) {
          s.position = c.offset;
          s.consumed = c.offset;
          this.#committed.set(tpKey(c.topic, c.partition), c.offset);
        }
      }
    }
    await this.#resetPositions([...this.#partitions.values()].filter((s) => s.position === null));
  }

  async #resetPositions(states: PartitionState[]): Promise<void> {
    if (states.length === 0) return;
    const policy = this.#opts.autoOffsetReset;
    if (policy === "none") {
      const s = states[0]!;
      throw new ClientError(
        "invalid_argument",
        `no committed offset for ${s.topic}/${s.partition} and autoOffsetReset is "none"`,
      );
    }
    const ts = policy === "earliest" ? EARLIEST : LATEST;
    const answers = await listOffsets(
      this.#cluster,
      states.map((s) => ({ topic: s.topic, partition: s.partition, timestamp: ts })),
      this.#isolation(),
    );
    for (const s of states) {
      const a = answers.get(tpKey(s.topic, s.partition));
      if (a) {
        s.position = a.offset;
        s.consumed = a.offset;
      }
    }
  }

  #isolation(): 0 | 1 {
    return this.#opts.isolationLevel === "read_committed" ? 1 : 0;
  }

  /** Starts a fetch unless one is running; failures surface at the next poll. */
  #startFetch(maxWaitMs: number): Promise<void> {
    if (this.#inFlight) return this.#inFlight;
    const p = this.#fetch(maxWaitMs)
      .catch((err: unknown) => {
        if (!this.#closed) this.#fetchError ??= err;
      })
      .finally(() => {
        if (this.#inFlight === p) this.#inFlight = null;
      });
    this.#inFlight = p;
    return p;
  }

  #fetchable(): PartitionState[] {
    return [...this.#partitions.values()].filter((s) => !s.paused && s.position !== null);
  }

  async #fetch(maxWaitMs: number): Promise<void> {
    const byLeader = new Map<number, PartitionState[]>();
    for (const s of this.#fetchable()) {
      let leader: number;
      try {
        leader = await this.#cluster.leader(s.topic, s.partition);
      } catch (err) {
        if (err instanceof KafkaError && err.retriable) continue;
        throw err;
      }
      appendTo(byLeader, leader, s);
    }
    // Nodes with no wanted partitions still get a request when they hold a session, so
    // the broker forgets partitions that moved away.
    for (const node of this.#sessions.keys()) if (!byLeader.has(node)) byLeader.set(node, []);
    await Promise.all(
      [...byLeader].map(([node, states]) => this.#fetchFrom(node, states, maxWaitMs)),
    );
  }

  async #fetchFrom(node: number, states: PartitionState[], maxWaitMs: number): Promise<void> {
    let session = this.#sessions.get(node);
    if (!session) {
      session = new FetchSession();
      this.#sessions.set(node, session);
    }
    if (states.length === 0 && session.id === 0) {
      this.#sessions.delete(node);
      return;
    }
    const wanted: WantedPartition[] = states.map((s) => ({
      topic: s.topic,
      partition: s.partition,
      fetchOffset: s.position!,
      maxBytes: this.#opts.maxPartitionBytes,
    }));
    const byKey = new Map(states.map((s) => [tpKey(s.topic, s.partition), s]));
    const sent = new Map(wanted.map((w) => [tpKey(w.topic, w.partition), w.fetchOffset]));
    let req: ReturnType<FetchSession["build"]> | null = null;
    try {
      const { response } = await this.#cluster.send(
        node,
        Apis.Fetch,
        (v) => {
          req = session.build(wanted, v >= 7);
          const r = req;
          return {
            replicaId: -1,
            maxWaitMs,
            minBytes: this.#opts.minBytes,
            ...(v >= 3 ? { maxBytes: this.#opts.maxBytes } : {}),
            ...(v >= 4 ? { isolationLevel: this.#isolation() } : {}),
            ...(v >= 7
              ? {
                  sessionId: r.sessionId,
                  sessionEpoch: r.sessionEpoch,
                  forgottenTopicsData: groupTopics(r.forgotten).map(([topic, ps]) => ({
                    topic,
                    partitions: ps.map((p) => p.partition),
                  })),
                }
              : {}),
            topics: groupTopics(r.partitions).map(([topic, ps]) => ({
              topic,
              partitions: ps.map((p) => ({
                partition: p.partition,
                fetchOffset: BigInt(p.fetchOffset),
                partitionMaxBytes: p.maxBytes,
              })),
            })),
          };
        },
        { lane: `${this.#lane}-fetch`, timeoutMs: maxWaitMs + this.#cluster.requestTimeoutMs },
      );
      if (response.errorCode !== 0) {
        // FETCH_SESSION_ID_NOT_FOUND, INVALID_FETCH_SESSION_EPOCH…: start a new session.
        session.reset();
        if (response.errorCode === 70 || response.errorCode === 71) return;
        throw kafkaError(response.errorCode, `fetch from broker ${node}`);
      }
      session.acknowledge(response.sessionId);
      const resets: PartitionState[] = [];
      for (const t of response.responses) {
        for (const p of t.partitions) {
          const s = byKey.get(tpKey(t.topic, p.partitionIndex));
          const fetchOffset = sent.get(tpKey(t.topic, p.partitionIndex));
          // A partition seeked, paused or revoked while the fetch was out: drop its data.
          if (
            !s ||
            fetchOffset === undefined ||
            this.#partitions.get(tpKey(s.topic, s.partition)) !== s ||
            s.position !== fetchOffset ||
            s.paused
          )
            continue;
          if (p.errorCode !== 0) {
            if (p.errorCode === 1)
              resets.push(s); // OFFSET_OUT_OF_RANGE
            else if (kafkaError(p.errorCode, "").retriable) this.#cluster.invalidate(t.topic);
            else throw kafkaError(p.errorCode, `fetch ${t.topic}/${p.partitionIndex}`);
            continue;
          }
          s.highWatermark = Number(p.highWatermark);
          const aborted =
            this.#isolation() === 1 && p.abortedTransactions
              ? p.abortedTransactions.map((a) => ({
                  producerId: Number(a.producerId),
                  firstOffset: Number(a.firstOffset),
                }))
              : null;
          s.position = this.#buffer.append(s, (out) =>
            appendFetchedRecords(out, t.topic, p.partitionIndex, p.records, fetchOffset, aborted),
          );
        }
      }
      if (resets.length > 0) await this.#resetPositions(resets);
    } catch (err) {
      session.reset();
      if (err instanceof ClientError && err.retriable) {
        await this.#cluster.refreshMetadata().catch(() => {});
        return;
      }
      throw err;
    }
  }

  /** Commits (with auto-commit), leaves the group and stops heartbeats. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      if (this.#opts.autoCommit && this.#groupId && this.#partitions.size > 0)
        await this.commit().catch(() => {});
    } finally {
      if (this.#subscription && this.#membership) await this.#membership.leave().catch(() => {});
      this.#membership?.stopHeartbeat();
      await this.#cluster.closeLanes(this.#lane);
    }
  }
}

function advanceConsumed(state: PartitionState, last: ConsumerRecord): void {
  state.consumed = last.offset + 1;
}

function groupTopics<T extends { topic: string }>(items: readonly T[]): [string, T[]][] {
  const m = new Map<string, T[]>();
  for (const i of items) {
    appendTo(m, i.topic, i);
  }
  return [...m];
}
