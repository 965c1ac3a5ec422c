/**
 * Client side of an incremental fetch session (KIP-227), one per broker. The first
 * request is full (epoch 0); afterwards only partitions whose fetch position changed are
 * sent, and partitions no longer wanted are listed as forgotten. Any session error, or a
 * broker that answers with session id 0, drops back to full requests.
 */
export interface WantedPartition {
  topic: string;
  partition: number;
  fetchOffset: number;
  maxBytes: number;
}

export interface SessionRequest {
  sessionId: number;
  sessionEpoch: number;
  partitions: WantedPartition[];
  forgotten: { topic: string; partition: number }[];
  /** Whether the broker will answer for every session partition (full) or only changes. */
  full: boolean;
}

const key = (t: string, p: number) => `${t}\u0000${p}`;

export class FetchSession {
  #id = 0;
  #epoch = 0;
  /** What the broker's session believes, as of the last acknowledged request. */
  #known = new Map<string, WantedPartition>();
  #pending: Map<string, WantedPartition> | null = null;

  /** `supported`: the negotiated Fetch version is 7+. */
  build(wanted: readonly WantedPartition[], supported: boolean): SessionRequest {
    const next = new Map(wanted.map((w) => [key(w.topic, w.partition), w]));
    this.#pending = next;
    if (!supported)
      return { sessionId: 0, sessionEpoch: -1, partitions: [...wanted], forgotten: [], full: true };
    if (this.#epoch === 0)
      return {
        sessionId: this.#id,
        sessionEpoch: 0,
        partitions: [...wanted],
        forgotten: [],
        full: true,
      };
    const partitions: WantedPartition[] = [];
    for (const [k, w] of next) {
      const prev = this.#known.get(k);
      if (!prev || prev.fetchOffset !== w.fetchOffset || prev.maxBytes !== w.maxBytes)
        partitions.push(w);
    }
    const forgotten: { topic: string; partition: number }[] = [];
    for (const [k, prev] of this.#known)
      if (!next.has(k)) forgotten.push({ topic: prev.topic, partition: prev.partition });
    return { sessionId: this.#id, sessionEpoch: this.#epoch, partitions, forgotten, full: false };
  }

  /** The broker accepted the request built last; `sessionId` is from its response. */
  acknowledge(sessionId: number): void {
    if (sessionId === 0) {
      this.reset();
      return;
    }
    if (this.#epoch === 0 || sessionId !== this.#id) {
      this.#id = sessionId;
      this.#epoch = 1;
    } else {
      this.#epoch = this.#epoch >= 0x7fffffff ? 1 : this.#epoch + 1;
    }
    this.#known = this.#pending ?? new Map();
    this.#pending = null;
  }

  /** Forget the session (session errors, reconnects): the next request is full. */
  reset(): void {
    this.#id = 0;
    this.#epoch = 0;
    this.#known = new Map();
    this.#pending = null;
  }

  get id(): number {
    return this.#id;
  }
}
