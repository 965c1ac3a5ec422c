/**
 * The producer: records are appended straight into per-partition batches (BatchBuilder),
 * which close when full or after `lingerMs`; a sender drains closed batches grouped by
 * partition leader into one Produce request per broker, several requests in flight per
 * connection. One batch per partition is in flight at a time, which keeps per-partition
 * order across retries; with idempotence (the default with acks=all) each batch carries the
 * producer id, epoch and a per-partition sequence, so a retried batch is never duplicated.
 */
import type { Cluster } from "../cluster.ts";
import { ClientError, KafkaError } from "../errors.ts";
import { isRetriableCode, kafkaError } from "../kafka-errors.ts";
import { Apis } from "../net/apis.ts";
import { backoffDelayMs } from "../net/retry.ts";
import { BatchBuilder, type Bytes, bytesLength, type RecordHeader } from "./batch-builder.ts";
import { BufferPool } from "./buffer-pool.ts";
import { type CompressionName, compressorFor } from "./compression.ts";
import { isSequenceRejection, restampBatch } from "./idempotence.ts";
import { partitionForKey, StickyPartitioner, type StickyTopic } from "./partitioner.ts";
import { TurnClock } from "./turn-clock.ts";

export interface ProducerRecord {
  topic: string;
  value: Bytes;
  key?: Bytes;
  headers?: readonly RecordHeader[];
  /** Explicit partition; otherwise murmur2(key), or sticky for keyless records. */
  partition?: number;
  /** Create time in ms since the epoch; now by default. */
  timestamp?: number;
}

export interface RecordMetadata {
  topic: string;
  partition: number;
  /** Offset the broker assigned, or -1 with acks=0 (unknown). */
  offset: number;
  timestamp: number;
}

export type DeliveryCallback = (err: Error | null, meta: RecordMetadata | null) => void;

export interface ProducerOptions {
  /** 0: fire and forget, 1: leader wrote it, -1 ("all"): all in-sync replicas did. Default -1. */
  acks?: 0 | 1 | -1;
  /** How long a batch waits for more records before it is sent. Default 5 ms. */
  lingerMs?: number;
  /** Closes a batch at this many bytes. Default 1 MiB. */
  batchBytes?: number;
  /** Total bytes buffered before `produce` asks callers to wait. Default 64 MiB. */
  bufferBytes?: number;
  compression?: CompressionName;
  /** Idempotent producer (InitProducerId + sequences). Default true when acks = -1. */
  idempotent?: boolean;
  /** Broker-side timeout for acks. Default 30 s. */
  ackTimeoutMs?: number;
  /** Give up on a record after this long, retries included. Default 120 s. */
  deliveryTimeoutMs?: number;
}

interface OpenBatch {
  builder: BatchBuilder;
  /** Records that have a callback (most need none): offset delta, callback, create time. */
  callbackDeltas: number[];
  callbacks: DeliveryCallback[];
  timestamps: number[];
  sequence: number;
  attempts: number;
  bytes: Uint8Array | null;
  deadlineMs: number;
  notBeforeMs: number;
  /** The broker refused its sequence (not written): send again only after an epoch bump. */
  staleSequence: boolean;
}

/** Per topic: its partitions' queues and where its keyless records stick (KIP-480). */
interface TopicState {
  name: string;
  /** By partition; null until the partition is first used. */
  queues: (PartitionQueue | null)[];
  sticky: StickyTopic;
}

interface PartitionQueue {
  topic: string;
  partition: number;
  open: OpenBatch | null;
  ready: OpenBatch[];
  inFlight: boolean;
  nextSequence: number;
  /** Size the previous batch closed at: the next one starts that big instead of growing. */
  lastBatchBytes: number;
}

export class Producer {
  readonly #cluster: Cluster;
  readonly #acks: 0 | 1 | -1;
  readonly #lingerMs: number;
  readonly #batchBytes: number;
  readonly #bufferBytes: number;
  readonly #compression: { codec: number; compress(data: Uint8Array): Uint8Array } | undefined;
  readonly #idempotent: boolean;
  readonly #ackTimeoutMs: number;
  readonly #deliveryTimeoutMs: number;
  readonly #sticky = new StickyPartitioner();
  /** Record create times: one clock read serves a few records of the same turn. */
  readonly #clock = new TurnClock();
  readonly #queues = new Map<string, PartitionQueue>();
  readonly #topics = new Map<string, TopicState>();
  /** The topic of the previous record: producers mostly write one topic in a row. */
  #lastTopic: TopicState | null = null;
  /** Finished batches' buffers, for the next batches; it keeps at most `bufferBytes`. */
  readonly #pool: BufferPool;
  /** Records waiting for their topic's metadata. */
  readonly #waitingForMetadata = new Map<
    string,
    { record: ProducerRecord; cb: DeliveryCallback | null }[]
  >();
  #producerId = -1;
  #producerEpoch = -1;
  #initPromise: Promise<void> | null = null;
  /** KIP-360: some partition's sequence is unresolved; bump the epoch before new batches. */
  #epochBumpNeeded = false;
  #bufferedBytes = 0;
  #pendingRecords = 0;
  #lingerTimer: ReturnType<typeof setTimeout> | null = null;
  #drainScheduled = false;
  #flushing = 0;
  #idleWaiters: (() => void)[] = [];
  #spaceWaiters: (() => void)[] = [];
  #closed = false;
  #firstError: Error | null = null;

  constructor(cluster: Cluster, opts: ProducerOptions = {}) {
    this.#cluster = cluster;
    this.#acks = opts.acks ?? -1;
    this.#lingerMs = opts.lingerMs ?? 5;
    this.#batchBytes = opts.batchBytes ?? 1024 * 1024;
    this.#bufferBytes = opts.bufferBytes ?? 64 * 1024 * 1024;
    this.#compression = compressorFor(opts.compression ?? "none");
    this.#idempotent = opts.idempotent ?? this.#acks === -1;
    if (this.#idempotent && this.#acks !== -1) {
      throw new ClientError("invalid_argument", "an idempotent producer needs acks=all (-1)");
    }
    this.#ackTimeoutMs = opts.ackTimeoutMs ?? 30_000;
    this.#deliveryTimeoutMs = opts.deliveryTimeoutMs ?? 120_000;
    this.#pool = new BufferPool(this.#bufferBytes);
  }

  /** Producer id and epoch (idempotent producers, after the first send), else -1. */
  get producerId(): { id: number; epoch: number } {
    return { id: this.#producerId, epoch: this.#producerEpoch };
  }

  /** Sends one record; resolves when the broker acknowledged it. */
  send(record: ProducerRecord): Promise<RecordMetadata> {
    return new Promise((resolve, reject) => {
      const wait = this.produce(record, (err, meta) => (err ? reject(err) : resolve(meta!)));
      if (wait) wait.catch(reject);
    });
  }

  /**
   * Queues one record without allocating a promise for it. Returns a promise only when
   * the buffer is full: await it before producing more. `onDelivery` reports the outcome;
   * without one, the first failure is thrown by `flush`.
   */
  produce(record: ProducerRecord, onDelivery?: DeliveryCallback): Promise<void> | undefined {
    if (this.#closed) throw new ClientError("closed", "producer is closed");
    this.#pendingRecords++;
    const cb = onDelivery ?? null;
    const topic = this.#cluster.metadata.topics.get(record.topic);
    if (topic && topic.errorCode === 0 && topic.partitions.length > 0)
      this.#append(record, topic.partitions.length, cb);
    else this.#awaitMetadata(record, cb);
    if (this.#bufferedBytes >= this.#bufferBytes) {
      return new Promise((resolve) => this.#spaceWaiters.push(resolve));
    }
    return undefined;
  }

  /** Sends everything buffered and waits for every outstanding record. */
  async flush(): Promise<void> {
    this.#flushing++;
    try {
      this.#scheduleDrain();
      while (this.#pendingRecords > 0)
        await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    } finally {
      this.#flushing--;
    }
    const err = this.#firstError;
    this.#firstError = null;
    if (err) throw err;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.flush();
    } finally {
      this.#closed = true;
      if (this.#lingerTimer) clearTimeout(this.#lingerTimer);
      this.#pool.clear();
    }
  }

  #awaitMetadata(record: ProducerRecord, cb: DeliveryCallback | null): void {
    let list = this.#waitingForMetadata.get(record.topic);
    if (list) {
      list.push({ record, cb });
      return;
    }
    list = [{ record, cb }];
    this.#waitingForMetadata.set(record.topic, list);
    const started = Date.now();
    const resolveTopic = async (): Promise<void> => {
      for (let attempt = 0; ; attempt++) {
        try {
          const info = await this.#cluster.topic(record.topic, {
            allowAutoCreate: true,
            refresh: true,
          });
          if (info.partitions.length === 0) throw kafkaError(5, `topic ${record.topic}`);
          return;
        } catch (err) {
          const retriable =
            err instanceof KafkaError ? err.retriable : err instanceof ClientError && err.retriable;
          if (!retriable || Date.now() - started > this.#deliveryTimeoutMs) throw err;
          await Bun.sleep(backoffDelayMs(attempt, 50, 1000));
        }
      }
    };
    resolveTopic().then(
      () => {
        const waiting = this.#waitingForMetadata.get(record.topic) ?? [];
        this.#waitingForMetadata.delete(record.topic);
        const n = this.#cluster.metadata.topics.get(record.topic)!.partitions.length;
        for (const w of waiting) this.#append(w.record, n, w.cb);
      },
      (err: unknown) => {
        const waiting = this.#waitingForMetadata.get(record.topic) ?? [];
        this.#waitingForMetadata.delete(record.topic);
        for (const w of waiting) this.#complete(w.cb, asError(err), null);
      },
    );
  }

  #append(record: ProducerRecord, numPartitions: number, cb: DeliveryCallback | null): void {
    const t = this.#topicState(record.topic);
    const key = record.key ?? null;
    let partition = record.partition;
    if (partition === undefined) {
      partition =
        key === null
          ? t.sticky.partition(numPartitions)
          : partitionForKey(typeof key === "string" ? utf8.encode(key) : key, numPartitions);
    } else if (partition < 0 || partition >= numPartitions) {
      this.#complete(cb, kafkaError(3, `partition ${record.topic}/${partition}`), null);
      return;
    }
    // Byte lengths once per record: the size check and the builder both need them.
    const keyLen = bytesLength(key);
    const valueLen = bytesLength(record.value);
    const estimate = BatchBuilder.estimateSized(keyLen, valueLen, record.headers);
    let q = this.#queue(t, partition);
    if (this.#wouldOverflow(q.open, estimate)) {
      this.#close(q);
      if (key === null && record.partition === undefined) {
        // KIP-480: a completed batch moves keyless traffic to another partition, this
        // record included (Java's abortOnNewBatch), rather than opening a one-record
        // batch on the old partition that only linger would send.
        partition = t.sticky.onNewBatch(numPartitions, partition);
        q = this.#queue(t, partition);
        if (this.#wouldOverflow(q.open, estimate)) this.#close(q);
      }
    }
    const now = this.#clock.now();
    const open = q.open ?? this.#openBatch(q, estimate, now);
    const builder = open.builder;
    const before = builder.sizeInBytes;
    const ts = record.timestamp ?? now;
    const delta = builder.appendSized(ts, key, keyLen, record.value, valueLen, record.headers);
    this.#bufferedBytes += builder.sizeInBytes - before;
    if (cb !== null) {
      open.callbackDeltas.push(delta);
      open.callbacks.push(cb);
      open.timestamps.push(ts);
    }
    if (builder.sizeInBytes >= this.#batchBytes) this.#close(q);
  }

  /** True when a record of `estimate` bytes would take the open batch past `batchBytes`. */
  #wouldOverflow(open: OpenBatch | null, estimate: number): boolean {
    return (
      open !== null &&
      open.builder.sizeInBytes + estimate > this.#batchBytes &&
      open.builder.count > 0
    );
  }

  #openBatch(q: PartitionQueue, estimate: number, now: number): OpenBatch {
    const open: OpenBatch = {
      builder: new BatchBuilder(this.#batchBuffer(q, estimate), now),
      callbackDeltas: [],
      callbacks: [],
      timestamps: [],
      sequence: -1,
      attempts: 0,
      bytes: null,
      deadlineMs: now + this.#deliveryTimeoutMs,
      notBeforeMs: 0,
      staleSequence: false,
    };
    q.open = open;
    this.#armLinger();
    return open;
  }

  /**
   * A buffer for q's next batch, as big as q's recent batches were (a quiet partition
   * does not take `batchBytes`), from the pool. A record bigger than `batchBytes` gets
   * a buffer of its own.
   */
  #batchBuffer(q: PartitionQueue, estimate: number): number | Uint8Array {
    if (estimate + 128 > this.#batchBytes) return estimate + 128;
    return this.#pool.take(
      Math.min(this.#batchBytes, Math.max(estimate + 128, 16 * 1024, q.lastBatchBytes)),
    );
  }

  /**
   * Gives a finished batch's buffer back to the pool. Safe: a batch finishes only once no
   * request can still encode it (its response or failure arrived, or it was never sent).
   */
  #release(batch: OpenBatch): void {
    batch.bytes = null;
    if (!this.#closed) this.#pool.give(batch.builder.buffer);
  }

  #topicState(name: string): TopicState {
    const last = this.#lastTopic;
    if (last !== null && last.name === name) return last;
    let t = this.#topics.get(name);
    if (!t) {
      t = { name, queues: [], sticky: this.#sticky.forTopic(name) };
      this.#topics.set(name, t);
    }
    this.#lastTopic = t;
    return t;
  }

  #queue(t: TopicState, partition: number): PartitionQueue {
    let q = t.queues[partition];
    if (!q) {
      q = {
        topic: t.name,
        partition,
        open: null,
        ready: [],
        inFlight: false,
        nextSequence: 0,
        lastBatchBytes: 0,
      };
      // Filled densely (no holes), so the per-record load stays a plain array access.
      while (t.queues.length <= partition) t.queues.push(null);
      t.queues[partition] = q;
      this.#queues.set(`${t.name}\u0000${partition}`, q);
    }
    return q;
  }

  #close(q: PartitionQueue): void {
    if (!q.open) return;
    // A decaying maximum: one small batch closed by linger does not send a busy
    // partition back to growing from 16 KiB (each doubling copies and faults in pages).
    q.lastBatchBytes = Math.max(q.open.builder.sizeInBytes, q.lastBatchBytes >> 1);
    q.ready.push(q.open);
    q.open = null;
    this.#scheduleDrain();
  }

  #armLinger(): void {
    if (this.#lingerMs <= 0) {
      // linger 0 is "as soon as possible": a microtask, so the records appended in this
      // turn (many callers woken by one response) still share a batch, but no timer's
      // minimum delay (≈ 1 ms) is added to every round trip.
      this.#scheduleDrain();
      return;
    }
    if (this.#lingerTimer) return;
    this.#lingerTimer = setTimeout(() => {
      this.#lingerTimer = null;
      this.#drain();
    }, this.#lingerMs);
  }

  #scheduleDrain(): void {
    if (this.#drainScheduled) return;
    this.#drainScheduled = true;
    queueMicrotask(() => {
      this.#drainScheduled = false;
      this.#drain();
    });
  }

  #drain(): void {
    if (this.#idempotent && this.#producerId < 0) {
      this.#initIdempotence();
      return;
    }
    const now = Date.now();
    const byLeader = new Map<number, { q: PartitionQueue; batch: OpenBatch }[]>();
    let lingering = false;
    // While a bump is pending, only batches already sent under the current epoch go out:
    // each resolves (acknowledged or failed) before sequences restart at 0.
    let unresolved = false;
    for (const q of this.#queues.values()) {
      if (q.open && (this.#flushing > 0 || now - q.open.builder.createdMs >= this.#lingerMs))
        this.#close(q);
      if (q.open) lingering = true;
      if (q.inFlight) unresolved = true;
      if (q.inFlight || q.ready.length === 0) continue;
      this.#expire(q, now);
      const batch = q.ready[0];
      if (!batch) continue;
      if (this.#epochBumpNeeded) {
        if (!batch.bytes || batch.staleSequence) continue;
        unresolved = true;
      }
      if (batch.notBeforeMs > now) {
        lingering = true;
        continue;
      }
      const leader = this.#leaderOf(q);
      if (leader === undefined) {
        this.#refreshSoon();
        lingering = true;
        continue;
      }
      q.ready.shift();
      q.inFlight = true;
      let list = byLeader.get(leader);
      if (!list) {
        list = [];
        byLeader.set(leader, list);
      }
      list.push({ q, batch });
    }
    for (const [leader, items] of byLeader) void this.#sendTo(leader, items);
    if (this.#epochBumpNeeded && !unresolved) this.#initIdempotence();
    if (lingering) this.#armLinger();
  }

  /**
   * Fails batches at the head of `q` (none in flight) that passed their delivery timeout:
   * never sent, or waiting to be retried (e.g. no leader known while the broker is away).
   */
  #expire(q: PartitionQueue, now: number): void {
    for (;;) {
      const batch = q.ready[0];
      if (!batch || batch.deadlineMs > now) return;
      q.ready.shift();
      // A batch sent before may or may not hold its sequences on the broker (KIP-360).
      if (this.#idempotent && batch.bytes && !batch.staleSequence) this.#epochBumpNeeded = true;
      this.#finishBatch(
        batch,
        new ClientError("timeout", `delivery timeout for ${q.topic}/${q.partition}`),
        q,
        -1,
        -1,
      );
    }
  }

  #leaderOf(q: PartitionQueue): number | undefined {
    const info = this.#cluster.metadata.topics.get(q.topic);
    const p = info?.partitions.find((x) => x.partition === q.partition);
    return p && p.leader >= 0 ? p.leader : undefined;
  }

  #refreshing = false;
  #refreshSoon(): void {
    if (this.#refreshing) return;
    this.#refreshing = true;
    void Bun.sleep(this.#cluster.retry.backoffMs)
      .then(() => this.#cluster.refreshMetadata())
      .catch(() => {})
      .finally(() => {
        this.#refreshing = false;
        this.#scheduleDrain();
      });
  }

  /**
   * InitProducerId: the first one, or a KIP-360 epoch bump that names the current id and
   * epoch (v3+). A broker that refuses the bump (or is older) gets asked for a fresh id.
   */
  #initIdempotence(): void {
    if (this.#initPromise) return;
    const bump = this.#producerId >= 0;
    const initProducerId = async (id: number, epoch: number) => {
      const { response } = await this.#cluster.send("any", Apis.InitProducerId, (v) => ({
        transactionalId: null,
        transactionTimeoutMs: -1,
        ...(v >= 3 ? { producerId: BigInt(id), producerEpoch: epoch } : {}),
      }));
      return response;
    };
    this.#initPromise = this.#cluster
      .retrying(async () => {
        let response = await initProducerId(this.#producerId, this.#producerEpoch);
        if (response.errorCode !== 0 && bump) response = await initProducerId(-1, -1);
        if (response.errorCode !== 0) throw kafkaError(response.errorCode, "InitProducerId");
        this.#producerId = Number(response.producerId);
        this.#producerEpoch = response.producerEpoch;
      })
      .then(
        () => {
          this.#initPromise = null;
          if (bump) this.#restartSequences();
          this.#scheduleDrain();
        },
        (err: unknown) => {
          this.#initPromise = null;
          this.#failAll(asError(err));
        },
      );
  }

  /** After an epoch bump: every partition starts again at sequence 0, refused batches first. */
  #restartSequences(): void {
    this.#epochBumpNeeded = false;
    for (const q of this.#queues.values()) {
      q.nextSequence = 0;
      for (const batch of q.ready) {
        if (!batch.bytes) break; // unsent batches take their sequence when sent
        batch.sequence = q.nextSequence;
        q.nextSequence = (q.nextSequence + batch.builder.count) % 0x80000000;
        restampBatch(batch.bytes, this.#producerId, this.#producerEpoch, batch.sequence);
        batch.staleSequence = false;
      }
    }
  }

  #bytesOf(q: PartitionQueue, batch: OpenBatch): Uint8Array {
    if (batch.bytes) return batch.bytes;
    if (this.#idempotent) {
      batch.sequence = q.nextSequence;
      q.nextSequence = (q.nextSequence + batch.builder.count) % 0x80000000;
    }
    const finishOpts = {
      producerId: this.#idempotent ? this.#producerId : -1,
      producerEpoch: this.#idempotent ? this.#producerEpoch : -1,
      baseSequence: this.#idempotent ? batch.sequence : -1,
      transactional: false,
      ...(this.#compression ? { compression: this.#compression } : {}),
    };
    batch.bytes = batch.builder.finish(finishOpts);
    return batch.bytes;
  }

  async #sendTo(leader: number, items: { q: PartitionQueue; batch: OpenBatch }[]): Promise<void> {
    const byTopic = new Map<string, { index: number; records: Uint8Array }[]>();
    for (const { q, batch } of items) {
      let list = byTopic.get(q.topic);
      if (!list) {
        list = [];
        byTopic.set(q.topic, list);
      }
      list.push({ index: q.partition, records: this.#bytesOf(q, batch) });
    }
    const request = () => ({
      transactionalId: null,
      acks: this.#acks,
      timeoutMs: this.#ackTimeoutMs,
      topicData: [...byTopic].map(([name, partitionData]) => ({ name, partitionData })),
    });
    try {
      if (this.#acks === 0) {
        await this.#cluster.send(leader, Apis.Produce, request, { noResponse: true });
        for (const it of items) this.#succeed(it.q, it.batch, -1, -1);
        return;
      }
      const { response } = await this.#cluster.send(leader, Apis.Produce, request, {
        timeoutMs: this.#ackTimeoutMs + this.#cluster.requestTimeoutMs,
      });
      const results = new Map<
        string,
        {
          errorCode: number;
          baseOffset: number;
          logAppendTimeMs: number;
          errorMessage: string | null;
        }
      >();
      for (const t of response.responses) {
        for (const p of t.partitionResponses) {
          results.set(`${t.name}\u0000${p.index}`, {
            errorCode: p.errorCode,
            baseOffset: Number(p.baseOffset),
            logAppendTimeMs: Number(p.logAppendTimeMs),
            errorMessage: p.errorMessage ?? null,
          });
        }
      }
      for (const { q, batch } of items) {
        const r = results.get(`${q.topic}\u0000${q.partition}`);
        if (!r)
          this.#retryOrFail(
            q,
            batch,
            new ClientError("protocol", `no produce result for ${q.topic}/${q.partition}`),
          );
        else if (r.errorCode === 0) this.#succeed(q, batch, r.baseOffset, r.logAppendTimeMs);
        else if (r.errorCode === 46)
          this.#succeed(q, batch, -1, -1); // DUPLICATE_SEQUENCE_NUMBER: already written
        else if (this.#idempotent && isSequenceRejection(r.errorCode))
          this.#retryAfterBump(
            q,
            batch,
            kafkaError(r.errorCode, `produce to ${q.topic}/${q.partition}`, r.errorMessage),
          );
        else
          this.#retryOrFail(
            q,
            batch,
            kafkaError(r.errorCode, `produce to ${q.topic}/${q.partition}`, r.errorMessage),
          );
      }
    } catch (err) {
      for (const { q, batch } of items) this.#retryOrFail(q, batch, asError(err));
    }
  }

  /** KIP-360: the broker refused the batch's sequence, so it was not written; resend it after a bump. */
  #retryAfterBump(q: PartitionQueue, batch: OpenBatch, err: Error): void {
    q.inFlight = false;
    this.#epochBumpNeeded = true;
    if (Date.now() >= batch.deadlineMs || this.#closed) {
      this.#finishBatch(batch, err, q, -1, -1);
    } else {
      batch.attempts++;
      batch.staleSequence = true;
      // Backoff as for other retries: a broker refusing again must not make this a busy loop.
      batch.notBeforeMs =
        Date.now() +
        backoffDelayMs(
          batch.attempts - 1,
          this.#cluster.retry.backoffMs,
          this.#cluster.retry.backoffMaxMs,
        );
      q.ready.unshift(batch);
    }
    this.#scheduleDrain();
  }

  #retryOrFail(q: PartitionQueue, batch: OpenBatch, err: Error): void {
    q.inFlight = false;
    const retriable =
      (err instanceof KafkaError && err.retriable) ||
      (err instanceof ClientError && err.retriable) ||
      (err instanceof KafkaError && isRetriableCode(err.errorCode));
    const now = Date.now();
    if (retriable && now < batch.deadlineMs && !this.#closed) {
      batch.attempts++;
      batch.notBeforeMs =
        now +
        backoffDelayMs(
          batch.attempts - 1,
          this.#cluster.retry.backoffMs,
          this.#cluster.retry.backoffMaxMs,
        );
      q.ready.unshift(batch);
      this.#cluster.invalidate(q.topic);
      this.#refreshSoon();
      return;
    }
    if (this.#idempotent && batch.bytes) {
      // A broker's non-retriable answer means it refused the batch: its sequences are free
      // again (no later batch of q has one yet). Anything else (timeout, lost connection)
      // leaves them unresolved: the broker may hold them, so bump the epoch (KIP-360).
      if (err instanceof KafkaError && !retriable && batch.attempts === 0)
        q.nextSequence = batch.sequence;
      else this.#epochBumpNeeded = true;
    }
    this.#finishBatch(batch, err, q, -1, -1);
    this.#scheduleDrain();
  }

  #succeed(q: PartitionQueue, batch: OpenBatch, baseOffset: number, logAppendTimeMs: number): void {
    q.inFlight = false;
    this.#finishBatch(batch, null, q, baseOffset, logAppendTimeMs);
    if (q.ready.length > 0 || q.open || this.#epochBumpNeeded) this.#scheduleDrain();
  }

  #finishBatch(
    batch: OpenBatch,
    err: Error | null,
    q: PartitionQueue,
    baseOffset: number,
    logAppendTimeMs: number,
  ): void {
    const count = batch.builder.count;
    this.#bufferedBytes -= batch.builder.sizeInBytes;
    this.#release(batch);
    const callbacks = batch.callbacks;
    for (let j = 0; j < callbacks.length; j++) {
      const i = batch.callbackDeltas[j]!;
      const meta = err
        ? null
        : {
            topic: q.topic,
            partition: q.partition,
            offset: baseOffset < 0 ? -1 : baseOffset + i,
            timestamp: logAppendTimeMs >= 0 ? logAppendTimeMs : batch.timestamps[j]!,
          };
      safeCall(callbacks[j]!, err, meta);
    }
    // Records produced without a callback report their failure through flush().
    if (err && !this.#firstError && callbacks.length < count) this.#firstError = err;
    this.#recordsDone(count);
  }

  #complete(cb: DeliveryCallback | null, err: Error | null, meta: RecordMetadata | null): void {
    if (cb) safeCall(cb, err, meta);
    else if (err && !this.#firstError) this.#firstError = err;
    this.#recordsDone(1);
  }

  #recordsDone(n: number): void {
    this.#pendingRecords -= n;
    if (this.#bufferedBytes < this.#bufferBytes && this.#spaceWaiters.length > 0) {
      for (const w of this.#spaceWaiters.splice(0)) w();
    }
    if (this.#pendingRecords === 0) for (const w of this.#idleWaiters.splice(0)) w();
  }

  #failAll(err: Error): void {
    for (const q of this.#queues.values()) {
      if (q.open) this.#close(q);
      for (const b of q.ready.splice(0)) this.#finishBatch(b, err, q, -1, -1);
    }
  }
}

const utf8 = new TextEncoder();

function safeCall(cb: DeliveryCallback, err: Error | null, meta: RecordMetadata | null): void {
  try {
    cb(err, meta);
  } catch {
    // A throwing user callback must not break delivery of the rest of the batch.
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
