/**
 * Fetch (key 1), v0–v17, for consumers. Long poll on max_wait_ms / min_bytes (woken by
 * appends), response and per-partition byte limits with KIP-74's first-batch rule, the
 * whole batch when the offset falls inside one, OFFSET_OUT_OF_RANGE outside
 * [log start, log end], KIP-227 incremental fetch sessions, topic ids from v13, and
 * down-conversion to MessageSet v0/v1 for v0–v3.
 * Leaves out: follower fetching (replica_id/replica_state are ignored: one node), rack-
 * aware preferred read replicas (always -1).
 * Transactions (v4+): read_committed reads below the last stable offset and lists the
 * aborted transactions (producer id, first offset) overlapping the returned batches, from
 * the per-segment aborted-transaction index; read_uncommitted reads up to the high
 * watermark. Control batches are returned as stored: clients skip them.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { ApiKey } from "../../protocol/messages/generated/apis.ts";
import type { FetchRequest } from "../../protocol/messages/generated/fetch.ts";
import type { BrokerCore } from "../core/broker-core.ts";
import { type FetchTarget, type PartitionRead, readTargets, waitForData } from "../core/fetch.ts";
import {
  type FetchSession,
  partitionKey,
  type RequestedPartition,
} from "../core/fetch-sessions.ts";
import type { PartitionState } from "../core/partition.ts";
import { defineHandler } from "./registry.ts";

const TOPIC_IDS_FROM = 13;
const SESSIONS_FROM = 7;

export const fetchHandler = defineHandler({
  apiKey: ApiKey.Fetch,
  minVersion: 0,
  maxVersion: 17,
  async handle(ctx, request) {
    const { core, apiVersion } = ctx;
    const byId = apiVersion >= TOPIC_IDS_FROM;
    const requested: RequestedPartition[] = [];
    for (const t of request.topics) {
      for (const p of t.partitions) {
        requested.push({
          topicKey: byId ? t.topicId : t.topic,
          partition: p.partition,
          fetchOffset: Number(p.fetchOffset),
          maxBytes: p.partitionMaxBytes,
        });
      }
    }
    const epochs = new Map<string, number>();
    for (const t of request.topics) {
      for (const p of t.partitions)
        epochs.set(partitionKey(byId ? t.topicId : t.topic, p.partition), p.currentLeaderEpoch);
    }
    let session: FetchSession | null = null;
    let incremental = false;
    if (apiVersion >= SESSIONS_FROM) {
      const forgotten = request.forgottenTopicsData.flatMap((f) =>
        f.partitions.map((partition) => ({ topicKey: byId ? f.topicId : f.topic, partition })),
      );
      const resolved = core.fetchSessions.resolve(
        request.sessionId,
        request.sessionEpoch,
        requested,
        forgotten,
        core.clock.monotonicMs(),
      );
      if (resolved.kind === "error") {
        return {
          throttleTimeMs: 0,
          errorCode: ErrorCode[resolved.code],
          sessionId: 0,
          responses: [],
        };
      }
      session = resolved.session;
      incremental = resolved.kind === "incremental";
    }
    const wanted = incremental && session ? [...session.partitions.values()] : requested;
    const resolveTargets = (): FetchTarget[] =>
      wanted.map((w) => ({
        topicKey: w.topicKey,
        partitionIndex: w.partition,
        fetchOffset: w.fetchOffset,
        maxBytes: w.maxBytes,
        currentLeaderEpoch: epochs.get(partitionKey(w.topicKey, w.partition)) ?? -1,
        partition: lookup(core, w.topicKey, w.partition, byId),
      }));
    const options = {
      maxBytes: apiVersion >= 3 ? request.maxBytes : 0x7fffffff,
      downConvertTo: apiVersion <= 1 ? (0 as const) : apiVersion <= 3 ? (1 as const) : null,
      unknownTopicCode: byId ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      readCommitted: apiVersion >= 4 && request.isolationLevel === 1,
    };
    const deadline = core.clock.monotonicMs() + request.maxWaitMs;
    let reads: PartitionRead[];
    for (;;) {
      const targets = resolveTargets();
      reads = await readTargets(targets, options);
      const bytes = reads.reduce((n, r) => n + r.records.length, 0);
      const anyError = reads.some((r) => r.errorCode !== ErrorCode.NONE);
      const left = deadline - core.clock.monotonicMs();
      if (
        bytes >= request.minBytes ||
        (bytes > 0 && request.minBytes <= 0) ||
        anyError ||
        left <= 0
      )
        break;
      if (core.isClosing) break;
      const live = reads
        .filter((r) => r.target.partition !== null)
        .map((r) => ({ partition: r.target.partition!, seenHighWatermark: r.highWatermark }));
      if (live.length === 0) break;
      await waitForData(core, live, left);
    }
    if (session) reads = sessionView(session, reads, incremental);
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      sessionId: session?.id ?? 0,
      responses: groupByTopic(core, reads, byId, request),
    };
  },
});

function lookup(
  core: BrokerCore,
  topicKey: string,
  index: number,
  byId: boolean,
): PartitionState | null {
  const topic = byId ? core.topicById(topicKey) : core.topic(topicKey);
  return topic?.partitions[index] ?? null;
}

/**
 * Incremental responses list only partitions with news; every response updates what the
 * session remembers having sent.
 */
function sessionView(
  session: FetchSession,
  reads: PartitionRead[],
  incremental: boolean,
): PartitionRead[] {
  const out: PartitionRead[] = [];
  for (const r of reads) {
    const s = session.partitions.get(partitionKey(r.target.topicKey, r.target.partitionIndex));
    const changed =
      !s ||
      r.records.length > 0 ||
      r.errorCode !== ErrorCode.NONE ||
      r.highWatermark !== s.sentHighWatermark ||
      r.lastStableOffset !== s.sentLastStable ||
      r.logStartOffset !== s.sentLogStart;
    if (s) {
      s.sentHighWatermark = r.highWatermark;
      s.sentLastStable = r.lastStableOffset;
      s.sentLogStart = r.logStartOffset;
    }
    if (!incremental || changed) out.push(r);
  }
  return out;
}

function groupByTopic(
  core: BrokerCore,
  reads: PartitionRead[],
  byId: boolean,
  request: FetchRequest,
) {
  const readCommitted = request.isolationLevel === 1;
  const topics = new Map<string, { topic: string; topicId: string; partitions: unknown[] }>();
  for (const r of reads) {
    let entry = topics.get(r.target.topicKey);
    if (!entry) {
      const state = byId ? core.topicById(r.target.topicKey) : core.topic(r.target.topicKey);
      entry = {
        topic: byId ? (state?.meta.name ?? "") : r.target.topicKey,
        topicId: byId ? r.target.topicKey : (state?.meta.id ?? "AAAAAAAAAAAAAAAAAAAAAA"),
        partitions: [],
      };
      topics.set(r.target.topicKey, entry);
    }
    entry.partitions.push({
      partitionIndex: r.target.partitionIndex,
      errorCode: r.errorCode,
      highWatermark: BigInt(r.highWatermark),
      lastStableOffset: BigInt(r.lastStableOffset),
      logStartOffset: BigInt(r.logStartOffset),
      abortedTransactions: readCommitted
        ? r.abortedTransactions.map((a) => ({
            producerId: BigInt(a.producerId),
            firstOffset: BigInt(a.firstOffset),
          }))
        : null,
      preferredReadReplica: -1,
      records: r.records,
    });
  }
  return [...topics.values()] as never;
}
