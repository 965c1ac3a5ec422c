/**
 * Offset look-ups shared by consumer and admin: ListOffsets by timestamp (sent to each
 * partition's leader), and the group coordinator's committed offsets (FindCoordinator,
 * OffsetFetch, OffsetCommit).
 */

import type { Cluster, NodeConnection } from "./cluster.ts";
import { appendTo } from "./collections.ts";
import { ClientError } from "./errors.ts";
import { kafkaError } from "./kafka-errors.ts";
import { Apis } from "./net/apis.ts";

/** ListOffsets special timestamps. */
export const LATEST = -1;
export const EARLIEST = -2;
/** The offset of the record with the highest timestamp (KIP-734, ListOffsets v7). */
export const MAX_TIMESTAMP = -3;

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface OffsetQuery extends TopicPartition {
  /** Epoch ms, or LATEST / EARLIEST / MAX_TIMESTAMP. */
  timestamp: number;
}

export interface OffsetAnswer extends TopicPartition {
  /** The earliest offset whose timestamp ≥ the query, or -1 when there is none. */
  offset: number;
  timestamp: number;
}

export const tpKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

export async function listOffsets(
  cluster: Cluster,
  queries: readonly OffsetQuery[],
  isolationLevel: 0 | 1 = 0,
): Promise<Map<string, OffsetAnswer>> {
  const out = new Map<string, OffsetAnswer>();
  let pending = [...queries];
  await cluster.retrying(async () => {
    const byLeader = new Map<number, OffsetQuery[]>();
    for (const q of pending) {
      const leader = await cluster.leader(q.topic, q.partition);
      appendTo(byLeader, leader, q);
    }
    const failed: OffsetQuery[] = [];
    let firstError: Error | null = null;
    await Promise.all(
      [...byLeader].map(async ([leader, qs]) => {
        const topics = new Map<string, OffsetQuery[]>();
        for (const q of qs) {
          appendTo(topics, q.topic, q);
        }
        // v4+ adds per-partition leader epochs, which we do not use and which librdkafka's
        // mock cluster (2.0.x) misparses for multi-partition requests; v7 is needed only
        // for MAX_TIMESTAMP.
        const maxVersion = qs.some((q) => q.timestamp === MAX_TIMESTAMP) ? 7 : 3;
        const { response } = await cluster.send(
          leader,
          Apis.ListOffsets,
          (v) => ({
            replicaId: -1,
            ...(v >= 2 ? { isolationLevel } : {}),
            topics: [...topics].map(([name, ps]) => ({
              name,
              partitions: ps.map((p) => ({
                partitionIndex: p.partition,
                timestamp: BigInt(p.timestamp),
              })),
            })),
          }),
          { maxVersion },
        );
        for (const t of response.topics) {
          for (const p of t.partitions) {
            const q = qs.find((x) => x.topic === t.name && x.partition === p.partitionIndex);
            if (!q) continue;
            if (p.errorCode !== 0) {
              const err = kafkaError(p.errorCode, `list offsets for ${t.name}/${p.partitionIndex}`);
              if (err.retriable) {
                failed.push(q);
                cluster.invalidate(t.name);
              }
              firstError ??= err;
              continue;
            }
            out.set(tpKey(t.name, p.partitionIndex), {
              topic: t.name,
              partition: p.partitionIndex,
              offset: Number(p.offset),
              timestamp: Number(p.timestamp),
            });
          }
        }
      }),
    );
    pending = failed;
    if (firstError) throw firstError;
  });
  return out;
}

/** Connection to the coordinator of `groupId` (FindCoordinator, retried while it moves). */
export async function groupCoordinator(
  cluster: Cluster,
  groupId: string,
  lane = "main",
): Promise<NodeConnection> {
  return cluster.retrying(async () => {
    const { response, version } = await cluster.send("any", Apis.FindCoordinator, (v) =>
      v >= 4
        ? { keyType: 0, coordinatorKeys: [groupId] }
        : { key: groupId, ...(v >= 1 ? { keyType: 0 } : {}) },
    );
    const c =
      version >= 4
        ? response.coordinators[0]
        : {
            errorCode: response.errorCode,
            errorMessage: response.errorMessage,
            host: response.host,
            port: response.port,
            nodeId: response.nodeId,
          };
    if (!c) throw new ClientError("protocol", "FindCoordinator returned no coordinator");
    if (c.errorCode !== 0)
      throw kafkaError(c.errorCode, `find coordinator for group ${groupId}`, c.errorMessage);
    return cluster.connectAddress(c.host, c.port, lane);
  });
}

export interface CommittedOffset extends TopicPartition {
  /** -1 when the group has no committed offset for the partition. */
  offset: number;
  metadata: string | null;
  leaderEpoch: number;
}

/** Committed offsets of a group: for the given partitions, or all (`null`). */
export async function fetchCommitted(
  cluster: Cluster,
  coordinator: NodeConnection,
  groupId: string,
  partitions: readonly TopicPartition[] | null,
): Promise<CommittedOffset[]> {
  const topics = partitions === null ? null : groupByTopic(partitions);
  const { response, version } = await cluster.send(coordinator, Apis.OffsetFetch, (v) => {
    const t =
      topics === null ? null : [...topics].map(([name, ps]) => ({ name, partitionIndexes: ps }));
    if (v >= 8) return { groups: [{ groupId, topics: t }] };
    if (t === null && v < 2)
      throw new ClientError("unsupported", "OffsetFetch for all partitions needs v2+");
    return { groupId, topics: t };
  });
  const groupError =
    version >= 8 ? (response.groups[0]?.errorCode ?? 0) : version >= 2 ? response.errorCode : 0;
  if (groupError !== 0) throw kafkaError(groupError, `fetch committed offsets of group ${groupId}`);
  const out: CommittedOffset[] = [];
  const rows = version >= 8 ? (response.groups[0]?.topics ?? []) : response.topics;
  for (const t of rows) {
    for (const p of t.partitions) {
      if (p.errorCode !== 0)
        throw kafkaError(p.errorCode, `committed offset of ${t.name}/${p.partitionIndex}`);
      out.push({
        topic: t.name,
        partition: p.partitionIndex,
        offset: Number(p.committedOffset),
        metadata: p.metadata,
        leaderEpoch: p.committedLeaderEpoch,
      });
    }
  }
  return out;
}

export interface OffsetToCommit extends TopicPartition {
  offset: number;
  metadata?: string | null;
}

export interface CommitMember {
  generationId: number;
  memberId: string;
  groupInstanceId?: string | null;
}

/** Commits offsets; a simple (non-member) commit uses generation -1 and an empty member id. */
export async function commitOffsets(
  cluster: Cluster,
  coordinator: NodeConnection,
  groupId: string,
  offsets: readonly OffsetToCommit[],
  member: CommitMember = { generationId: -1, memberId: "" },
): Promise<void> {
  const topics = new Map<string, OffsetToCommit[]>();
  for (const o of offsets) {
    appendTo(topics, o.topic, o);
  }
  const { response } = await cluster.send(coordinator, Apis.OffsetCommit, (v) => ({
    groupId,
    generationIdOrMemberEpoch: member.generationId,
    memberId: member.memberId,
    ...(v >= 7 ? { groupInstanceId: member.groupInstanceId ?? null } : {}),
    ...(v >= 2 && v <= 4 ? { retentionTimeMs: -1n } : {}),
    topics: [...topics].map(([name, ps]) => ({
      name,
      partitions: ps.map((p) => ({
        partitionIndex: p.partition,
        committedOffset: BigInt(p.offset),
        committedMetadata: p.metadata ?? "",
      })),
    })),
  }));
  for (const t of response.topics) {
    for (const p of t.partitions) {
      if (p.errorCode !== 0)
        throw kafkaError(
          p.errorCode,
          `commit offset for ${t.name}/${p.partitionIndex} in group ${groupId}`,
        );
    }
  }
}

export function groupByTopic(partitions: readonly TopicPartition[]): Map<string, number[]> {
  const m = new Map<string, number[]>();
  for (const p of partitions) {
    appendTo(m, p.topic, p.partition);
  }
  return m;
}
