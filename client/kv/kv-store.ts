/**
 * KvStore: a single-partition compacted topic seen as a key-value map. Writes go through
 * the log (an idempotent acks=all producer); reads come from a LocalStore that this
 * store's own consumer fills by following the log. A put resolves only after the follower
 * has applied the put's offset, so every writer reads its own writes; other stores on the
 * same topic converge as they apply the same log (and `sync()` waits for that explicitly).
 */
import { Admin } from "../admin.ts";
import { Cluster } from "../cluster.ts";
import { Consumer, type ConsumerRecord } from "../consumer/consumer.ts";
import { ClientError, isRetriable, KafkaError } from "../errors.ts";
import { EARLIEST, LATEST, listOffsets, tpKey } from "../offsets.ts";
import { Producer } from "../producer/producer.ts";
import { type KeyLike, prefixEnd, toBytes } from "./bytes.ts";
import { KvError } from "./errors.ts";
import { type KvEntry, type LocalStore, SortedMemoryStore } from "./local-store.ts";
import type { Serde } from "./serde.ts";
import { prepareTopic } from "./topic.ts";
import { TypedKvStore } from "./typed-store.ts";

export interface KvEvent {
  /** Offset of the record in the topic. */
  offset: number;
  /** True while `open` replays the log up to the high watermark, false for live updates. */
  replay: boolean;
}

/**
 * Called synchronously as records are applied, in log order, during bootstrap replay and
 * afterwards. A hook that throws is ignored: it must not stop the store from following.
 */
export interface KvHooks {
  onSet?(key: Uint8Array, value: Uint8Array, event: KvEvent): void;
  /** Fired when a tombstone removes a key this store held. */
  onDelete?(key: Uint8Array, event: KvEvent): void;
}

export interface KvStoreOptions {
  /** Bootstrap brokers: "host:port,host:port" or a list. */
  brokers: string | readonly string[];
  /** Where the materialised map lives. Default: a new SortedMemoryStore. */
  storage?: LocalStore;
  /** For a topic `open` creates; -1 (default) takes the broker's default. */
  replicationFactor?: number;
  hooks?: KvHooks;
  /** Extra configs for a topic `open` creates (cleanup.policy is always "compact"). */
  topicConfigs?: Readonly<Record<string, string>>;
  /** Create the topic when it is missing. Default true. */
  create?: boolean;
  /**
   * How long a write (or `sync`, or a stalled bootstrap) may take before it fails with
   * KvError "timeout". Default 30 s.
   */
  operationTimeoutMs?: number;
  clientId?: string;
}

export interface RangeBounds {
  /** Inclusive lower bound. */
  start?: KeyLike;
  /** Exclusive upper bound. */
  end?: KeyLike;
}

export type RangeQuery = RangeBounds | { prefix: KeyLike };

export interface RangeOptions {
  /** At most this many entries. Default: all. */
  limit?: number;
}

/** One pending write: resolves once the follower has applied `offset`. */
interface Waiter {
  offset: number;
  resolve(): void;
  reject(err: Error): void;
}

const PAGE = 256;

export class KvStore {
  readonly topic: string;
  readonly #cluster: Cluster;
  #producer: Producer;
  readonly #consumer: Consumer;
  readonly #local: LocalStore;
  readonly #hooks: KvHooks;
  readonly #timeoutMs: number;
  /** Next offset to apply: every record below it is in the local store. */
  #applied = 0;
  /** Records below this offset were in the topic when `open` ran: hooks see them as replay. */
  #replayEnd = 0;
  #waiters: Waiter[] = [];
  #closed = false;
  #follower: Promise<void> | null = null;
  /** The follower's last failure while it retries (shown in timeout messages). */
  #lastError: unknown = null;

  private constructor(topic: string, cluster: Cluster, opts: KvStoreOptions) {
    this.topic = topic;
    this.#cluster = cluster;
    this.#timeoutMs = opts.operationTimeoutMs ?? 30_000;
    this.#local = opts.storage ?? new SortedMemoryStore();
    this.#hooks = opts.hooks ?? {};
    this.#producer = this.#newProducer();
    this.#consumer = new Consumer(cluster, {
      autoOffsetReset: "earliest",
      maxWaitMs: 500,
      maxPartitionBytes: 8 * 1024 * 1024,
      maxPollRecords: Number.MAX_SAFE_INTEGER,
    });
  }

  /**
   * Opens (creating when missing) the topic, replays it up to its high watermark into the
   * local store, then keeps following it. Fails with KvError "multi_partition_topic" or
   * "not_compacted" for a topic that cannot back a store.
   */
  static async open(topic: string, opts: KvStoreOptions): Promise<KvStore> {
    const timeoutMs = opts.operationTimeoutMs ?? 30_000;
    const cluster = new Cluster({
      brokers: opts.brokers,
      clientId: opts.clientId ?? "datacore-kv",
      requestTimeoutMs: Math.min(timeoutMs, 30_000),
      connectTimeoutMs: Math.min(timeoutMs, 10_000),
    });
    const store = new KvStore(topic, cluster, opts);
    try {
      await prepareTopic(new Admin(cluster), topic, {
        create: opts.create ?? true,
        replicationFactor: opts.replicationFactor ?? -1,
        configs: opts.topicConfigs ?? {},
        deadlineMs: Date.now() + timeoutMs,
      });
      await store.#bootstrap();
    } catch (err) {
      store.#closed = true;
      await store.#shutdown();
      throw asKvError(err, `open key-value store on topic ${topic}`);
    }
    store.#follower = store.#follow();
    return store;
  }

  #newProducer(): Producer {
    return new Producer(this.#cluster, {
      acks: -1,
      lingerMs: 0,
      deliveryTimeoutMs: this.#timeoutMs,
    });
  }

  /**
   * After a failed write the idempotent producer may have spent sequence numbers on a batch
   * the broker never got; a broker that remembers the producer would refuse every later
   * batch (OUT_OF_ORDER_SEQUENCE_NUMBER). A new producer id starts its sequences afresh.
   */
  #replaceProducer(failed: Producer): void {
    if (this.#producer !== failed || this.#closed) return;
    this.#producer = this.#newProducer();
    void failed.close().catch(() => {});
  }

  /** The next offset to apply; everything before it is visible to reads. */
  get position(): number {
    return this.#applied;
  }

  /** Number of live keys. */
  get size(): number {
    this.#assertOpen();
    return this.#local.size;
  }

  /** The value of `key`, or undefined when the store has no such key (never throws for that). */
  get(key: KeyLike): Uint8Array | undefined {
    this.#assertOpen();
    return this.#local.get(toBytes(key));
  }

  has(key: KeyLike): boolean {
    return this.get(key) !== undefined;
  }

  /** Writes `key`; resolves once this store reads the new value back. */
  async put(key: KeyLike, value: Uint8Array | string): Promise<void> {
    await this.#write([[toBytes(key), toBytes(value)]], `put of key ${describeKey(key)}`);
  }

  /** Writes a tombstone for `key`; resolves once this store no longer has it. */
  async delete(key: KeyLike): Promise<void> {
    await this.#write([[toBytes(key), null]], `delete of key ${describeKey(key)}`);
  }

  /** Collects puts and deletes to send together and wait for once (on the highest offset). */
  batch(): KvBatch {
    return new KvBatch((ops) => this.#write(ops, `batch of ${ops.length} writes`));
  }

  /**
   * Entries in key order (unsigned bytes) within [start, end) or under a prefix. The
   * iterator reads the live map page by page, so it sees writes applied while it runs
   * that land after its current key.
   */
  async *range(query: RangeQuery = {}, opts: RangeOptions = {}): AsyncGenerator<KvEntry> {
    this.#assertOpen();
    const limit = opts.limit ?? Number.POSITIVE_INFINITY;
    if (!(limit >= 1))
      throw new KvError("invalid_argument", `range limit must be at least 1, got ${limit}`);
    let start: Uint8Array | undefined;
    let end: Uint8Array | undefined;
    if ("prefix" in query) {
      start = toBytes(query.prefix);
      end = prefixEnd(start) ?? undefined;
    } else {
      start = query.start === undefined ? undefined : toBytes(query.start);
      end = query.end === undefined ? undefined : toBytes(query.end);
    }
    let exclusive = false;
    let left = limit;
    while (left > 0) {
      this.#assertOpen();
      const page = this.#local.scan({
        ...(start ? { start } : {}),
        ...(end ? { end } : {}),
        startExclusive: exclusive,
        limit: Math.min(PAGE, left),
      });
      for (const entry of page) yield entry;
      if (page.length < PAGE) return;
      left -= page.length;
      start = page[page.length - 1]!.key;
      exclusive = true;
    }
  }

  /**
   * Waits until this store has applied everything the topic held when called: after it,
   * reads reflect other writers' acknowledged writes too.
   */
  async sync(): Promise<void> {
    this.#assertOpen();
    const deadlineMs = Date.now() + this.#timeoutMs;
    await this.#deadline(
      (async () => {
        const end = await this.#endOffset(deadlineMs);
        await this.#waitApplied(end - 1);
      })(),
      "sync",
    );
  }

  /** A view that encodes and decodes values with `serde` (JSON, Avro, Protobuf…). */
  typed<T>(serde: Serde<T>): TypedKvStore<T> {
    return new TypedKvStore(this, serde);
  }

  /** Stops following, fails pending operations with KvError "closed" and closes the client. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const err = new KvError("closed", `key-value store on ${this.topic} was closed`);
    for (const w of this.#waiters.splice(0)) w.reject(err);
    await this.#shutdown();
  }

  async #shutdown(): Promise<void> {
    // Closing the connections first ends a long poll and any produce retries at once.
    await this.#cluster.close();
    await this.#follower;
    await this.#producer.close().catch(() => {});
    await this.#consumer.close().catch(() => {});
  }

  get closed(): boolean {
    return this.#closed;
  }

  async #write(
    ops: readonly (readonly [Uint8Array, Uint8Array | null])[],
    what: string,
  ): Promise<void> {
    this.#assertOpen();
    if (ops.length === 0) return;
    const producer = this.#producer;
    const progress = { acked: -1 };
    await this.#deadline(this.#send(producer, ops, what, progress), what, () => {
      this.#replaceProducer(producer);
      return progress.acked < 0
        ? "the broker did not acknowledge it"
        : `acknowledged at offset ${progress.acked}, applied up to ${this.#applied - 1}`;
    });
  }

  async #send(
    producer: Producer,
    ops: readonly (readonly [Uint8Array, Uint8Array | null])[],
    what: string,
    progress: { acked: number },
  ): Promise<void> {
    const sends = ops.map(([key, value]) =>
      producer.send({ topic: this.topic, partition: 0, key, value }),
    );
    const metas = await Promise.all(sends).catch((err: unknown) => {
      this.#replaceProducer(producer);
      throw asKvError(err, what);
    });
    let last = -1;
    for (const m of metas) if (m.offset > last) last = m.offset;
    // A retried batch the broker had already written reports no offset (duplicate
    // sequence); waiting for the current end covers it.
    if (last < 0) last = (await this.#endOffset()) - 1;
    progress.acked = last;
    await this.#waitApplied(last);
  }

  /** Resolves once the record at `offset` is applied (at once for offset < position). */
  #waitApplied(offset: number): Promise<void> {
    if (offset < this.#applied) return Promise.resolve();
    return new Promise((resolve, reject) => this.#waiters.push({ offset, resolve, reject }));
  }

  #advance(position: number): void {
    if (position <= this.#applied) return;
    this.#applied = position;
    if (this.#waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const w of this.#waiters) {
      if (w.offset < position) w.resolve();
      else still.push(w);
    }
    this.#waiters = still;
  }

  /** The partition's high watermark, asked again on transient failures until `deadlineMs`. */
  async #endOffset(deadlineMs = Date.now() + this.#timeoutMs): Promise<number> {
    for (;;) {
      try {
        const answers = await listOffsets(this.#cluster, [
          { topic: this.topic, partition: 0, timestamp: LATEST },
        ]);
        return answers.get(tpKey(this.topic, 0))?.offset ?? 0;
      } catch (err) {
        if (this.#closed || !isRetriable(err) || Date.now() >= deadlineMs)
          throw asKvError(err, `look up the end of ${this.topic}`);
        this.#lastError = err;
        await Bun.sleep(200);
      }
    }
  }

  async #bootstrap(): Promise<void> {
    const [first, end] = await Promise.all([
      listOffsets(this.#cluster, [{ topic: this.topic, partition: 0, timestamp: EARLIEST }]),
      this.#endOffset(),
    ]);
    const start = first.get(tpKey(this.topic, 0))?.offset ?? 0;
    this.#local.clear();
    this.#applied = start;
    this.#replayEnd = end;
    this.#consumer.assign([{ topic: this.topic, partition: 0, offset: start }]);
    let lastProgressMs = Date.now();
    while (this.#applied < end) {
      let records: ConsumerRecord[] = [];
      try {
        records = await this.#consumer.poll(500);
      } catch (err) {
        // A broker blip mid-replay: keep trying until the stall timeout below.
        if (!isRetriable(err)) throw err;
        this.#lastError = err;
        await Bun.sleep(200);
      }
      const before = this.#applied;
      this.#apply(records);
      this.#advance(this.#consumer.position({ topic: this.topic, partition: 0 }) ?? before);
      if (this.#applied > before) lastProgressMs = Date.now();
      else if (Date.now() - lastProgressMs > this.#timeoutMs)
        throw new KvError(
          "timeout",
          `bootstrap of ${this.topic} made no progress for ${this.#timeoutMs} ms at offset ${this.#applied} of ${end}${this.#lastError instanceof Error ? `; last error: ${this.#lastError.message}` : ""}`,
          { cause: this.#lastError ?? undefined },
        );
    }
  }

  /** Follows the log until closed; failures (a broker gone away) are retried with backoff. */
  async #follow(): Promise<void> {
    const tp = { topic: this.topic, partition: 0 };
    let failures = 0;
    while (!this.#closed) {
      try {
        const records = await this.#consumer.poll(1000);
        if (this.#closed) return;
        this.#apply(records);
        this.#advance(this.#consumer.position(tp) ?? this.#applied);
        failures = 0;
        this.#lastError = null;
      } catch (err) {
        if (this.#closed) return;
        this.#lastError = err;
        await Bun.sleep(Math.min(2000, 100 * 2 ** Math.min(failures++, 5)));
      }
    }
  }

  #apply(records: readonly ConsumerRecord[]): void {
    const hooks = this.#hooks;
    for (const r of records) {
      if (r.key === null) continue; // a compacted topic rejects these; another writer's noise
      const event = { offset: r.offset, replay: r.offset < this.#replayEnd };
      // Copies: fetch buffers are shared by every record of a response, and a view would
      // keep a whole response alive for as long as one of its keys lives.
      if (r.value === null) {
        if (this.#local.delete(r.key) && hooks.onDelete)
          safe(() => hooks.onDelete!(r.key!.slice(), event));
        continue;
      }
      const key = r.key.slice();
      const value = r.value.slice();
      this.#local.set(key, value);
      if (hooks.onSet) safe(() => hooks.onSet!(key, value, event));
    }
  }

  /** Races `p` against the operation timeout; the message names what the follower saw. */
  #deadline<T>(p: Promise<T>, what: string, onTimeout?: () => string): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const state = onTimeout ? `; ${onTimeout()}` : "";
        const seen =
          state +
          (this.#lastError instanceof Error ? `; last error: ${this.#lastError.message}` : "");
        reject(
          new KvError(
            "timeout",
            `${what} on ${this.topic} did not complete within ${this.#timeoutMs} ms (it may still be applied later)${seen}`,
            { cause: this.#lastError ?? undefined },
          ),
        );
      }, this.#timeoutMs);
    });
    return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
  }

  #assertOpen(): void {
    if (this.#closed) throw new KvError("closed", `key-value store on ${this.topic} is closed`);
  }
}

/** Puts and deletes sent together; `execute` waits once, for the highest offset. */
export class KvBatch {
  readonly #ops: [Uint8Array, Uint8Array | null][] = [];
  readonly #run: (ops: [Uint8Array, Uint8Array | null][]) => Promise<void>;
  #executed = false;

  constructor(run: (ops: [Uint8Array, Uint8Array | null][]) => Promise<void>) {
    this.#run = run;
  }

  put(key: KeyLike, value: Uint8Array | string): this {
    this.#ops.push([toBytes(key), toBytes(value)]);
    return this;
  }

  delete(key: KeyLike): this {
    this.#ops.push([toBytes(key), null]);
    return this;
  }

  get length(): number {
    return this.#ops.length;
  }

  /**
   * Sends every operation (in order, so a later write of a key wins) and resolves once all
   * are applied. Not atomic: a failure may leave some of them written.
   */
  async execute(): Promise<void> {
    if (this.#executed) throw new KvError("invalid_argument", "batch was already executed");
    this.#executed = true;
    await this.#run(this.#ops);
  }
}

function safe(fn: () => void): void {
  try {
    fn();
  } catch {
    // A user hook must not break the follower.
  }
}

function describeKey(key: KeyLike): string {
  return typeof key === "string" ? JSON.stringify(key) : `<${key.length} bytes>`;
}

/** Client and broker failures as KvErrors, keeping the original as the cause. */
export function asKvError(err: unknown, what: string): unknown {
  if (err instanceof KvError) return err;
  if (err instanceof KafkaError)
    return new KvError("broker", `${what} failed: ${err.errorName}: ${err.message}`, {
      cause: err,
    });
  if (err instanceof ClientError) {
    if (err.code === "closed")
      return new KvError("closed", `${what} failed: ${err.message}`, { cause: err });
    const code = err.code === "connection" || err.code === "timeout" ? "unavailable" : "broker";
    return new KvError(code, `${what} failed: ${err.message}`, { cause: err });
  }
  return err;
}
