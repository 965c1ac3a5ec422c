/**
 * KIP-227 incremental fetch sessions. A consumer that fetches the same partitions again
 * and again opens a session (epoch 0) with a full request; later requests (epoch 1, 2, …)
 * list only partitions whose fetch offset changed and the ones to forget, and responses
 * list only partitions with something new (records, a moved high watermark, log start
 * or last stable offset, or an error). The cache is bounded: the least recently used
 * session is evicted, and its owner gets FETCH_SESSION_ID_NOT_FOUND and starts over.
 */
import type { Random } from "../../storage/clock.ts";

export const INITIAL_EPOCH = 0;
/** Epoch -1: a full fetch that closes (or never opens) a session. */
export const FINAL_EPOCH = -1;

export interface SessionPartition {
  /** Topic id (v13+) or name: what the client uses to name the topic. */
  topicKey: string;
  partition: number;
  fetchOffset: number;
  maxBytes: number;
  /** What the last response told the client; a change makes the partition "dirty". */
  sentHighWatermark: number;
  sentLastStable: number;
  sentLogStart: number;
}

export interface FetchSession {
  id: number;
  /** The epoch the next request must carry. */
  nextEpoch: number;
  /** Insertion order is the order partitions appear in responses. */
  partitions: Map<string, SessionPartition>;
  lastUsedMs: number;
}

export type SessionResolution =
  | { kind: "error"; code: "FETCH_SESSION_ID_NOT_FOUND" | "INVALID_FETCH_SESSION_EPOCH" }
  /** No session: answer every requested partition. `session` is set when one was just opened. */
  | { kind: "full"; session: FetchSession | null }
  /** Incremental: answer the session's partitions that have news. */
  | { kind: "incremental"; session: FetchSession };

export interface RequestedPartition {
  topicKey: string;
  partition: number;
  fetchOffset: number;
  maxBytes: number;
}

export function partitionKey(topicKey: string, partition: number): string {
  return `${topicKey}\u0000${partition}`;
}

export class FetchSessionCache {
  private readonly sessions = new Map<number, FetchSession>();

  constructor(
    private readonly random: Random,
    private readonly maxSessions = 1000,
  ) {}

  get size(): number {
    return this.sessions.size;
  }

  /**
   * Applies a request's session fields. `requested` are the partitions in the request;
   * `forgotten` the partitions it asks to drop (incremental only).
   */
  resolve(
    sessionId: number,
    epoch: number,
    requested: readonly RequestedPartition[],
    forgotten: readonly { topicKey: string; partition: number }[],
    nowMs: number,
  ): SessionResolution {
    if (epoch === FINAL_EPOCH) {
      if (sessionId !== 0) this.sessions.delete(sessionId);
      return { kind: "full", session: null };
    }
    if (epoch === INITIAL_EPOCH) {
      if (sessionId !== 0) this.sessions.delete(sessionId);
      return { kind: "full", session: this.open(requested, nowMs) };
    }
    const session = this.sessions.get(sessionId);
    if (!session) return { kind: "error", code: "FETCH_SESSION_ID_NOT_FOUND" };
    if (session.nextEpoch !== epoch) return { kind: "error", code: "INVALID_FETCH_SESSION_EPOCH" };
    for (const f of forgotten) session.partitions.delete(partitionKey(f.topicKey, f.partition));
    for (const r of requested) {
      const key = partitionKey(r.topicKey, r.partition);
      const existing = session.partitions.get(key);
      if (existing) {
        existing.fetchOffset = r.fetchOffset;
        existing.maxBytes = r.maxBytes;
      } else {
        session.partitions.set(key, newPartition(r));
      }
    }
    session.nextEpoch = epoch === 2 ** 31 - 1 ? 1 : epoch + 1;
    this.touch(session, nowMs);
    return { kind: "incremental", session };
  }

  private open(requested: readonly RequestedPartition[], nowMs: number): FetchSession | null {
    if (this.maxSessions <= 0) return null;
    if (this.sessions.size >= this.maxSessions) {
      // Map iteration order is least recently used first, since `touch` re-inserts.
      const oldest = this.sessions.keys().next();
      if (!oldest.done) this.sessions.delete(oldest.value);
    }
    let id = 0;
    while (id === 0 || this.sessions.has(id)) id = 1 + this.random.int(2 ** 31 - 2);
    const session: FetchSession = { id, nextEpoch: 1, partitions: new Map(), lastUsedMs: nowMs };
    for (const r of requested)
      session.partitions.set(partitionKey(r.topicKey, r.partition), newPartition(r));
    this.sessions.set(id, session);
    return session;
  }

  private touch(session: FetchSession, nowMs: number): void {
    session.lastUsedMs = nowMs;
    this.sessions.delete(session.id);
    this.sessions.set(session.id, session);
  }
}

function newPartition(r: RequestedPartition): SessionPartition {
  return {
    topicKey: r.topicKey,
    partition: r.partition,
    fetchOffset: r.fetchOffset,
    maxBytes: r.maxBytes,
    sentHighWatermark: -1,
    sentLastStable: -1,
    sentLogStart: -1,
  };
}
