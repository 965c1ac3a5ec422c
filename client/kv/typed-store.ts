/**
 * A typed view of a KvStore: values go through a serde on the way in and out; keys stay
 * bytes (or UTF-8 strings). It shares the store's map, follower and lifetime — closing the
 * store closes every view. A value the serde rejects fails with KvError "serde" before
 * anything is written.
 */
import { type KeyLike, toBytes } from "./bytes.ts";
import { KvError } from "./errors.ts";
import type { KvStore, RangeOptions, RangeQuery } from "./kv-store.ts";
import { runSerde, type Serde } from "./serde.ts";

export interface TypedEntry<T> {
  key: Uint8Array;
  value: T;
}

export class TypedKvStore<T> {
  readonly store: KvStore;
  readonly serde: Serde<T>;

  constructor(store: KvStore, serde: Serde<T>) {
    this.store = store;
    this.serde = serde;
  }

  /** The decoded value, or undefined when the key is absent. Async: decoding may look a schema up. */
  async get(key: KeyLike): Promise<T | undefined> {
    const k = toBytes(key);
    const bytes = this.store.get(k);
    if (bytes === undefined) return undefined;
    return this.#decode(k, bytes);
  }

  async put(key: KeyLike, value: T): Promise<void> {
    const k = toBytes(key);
    await this.store.put(k, await this.#encode(k, value));
  }

  delete(key: KeyLike): Promise<void> {
    return this.store.delete(key);
  }

  async *range(query: RangeQuery = {}, opts: RangeOptions = {}): AsyncGenerator<TypedEntry<T>> {
    for await (const e of this.store.range(query, opts))
      yield { key: e.key, value: await this.#decode(e.key, e.value) };
  }

  batch(): TypedBatch<T> {
    return new TypedBatch(this);
  }

  sync(): Promise<void> {
    return this.store.sync();
  }

  /** @internal used by TypedBatch */
  encode(key: Uint8Array, value: T): Promise<Uint8Array> {
    return this.#encode(key, value);
  }

  #encode(key: Uint8Array, value: T): Promise<Uint8Array> {
    return runSerde(this.serde, `encode the value for key ${keyText(key)}`, () =>
      this.serde.serialize(value, { topic: this.store.topic, key }),
    );
  }

  #decode(key: Uint8Array, bytes: Uint8Array): Promise<T> {
    return runSerde(this.serde, `decode the stored value of key ${keyText(key)}`, () =>
      this.serde.deserialize(bytes, { topic: this.store.topic, key }),
    );
  }
}

/** A typed batch: every value is encoded first, so one bad value sends nothing. */
export class TypedBatch<T> {
  readonly #view: TypedKvStore<T>;
  readonly #ops: [Uint8Array, T | null, boolean][] = [];
  #executed = false;

  constructor(view: TypedKvStore<T>) {
    this.#view = view;
  }

  put(key: KeyLike, value: T): this {
    this.#ops.push([toBytes(key), value, true]);
    return this;
  }

  delete(key: KeyLike): this {
    this.#ops.push([toBytes(key), null, false]);
    return this;
  }

  get length(): number {
    return this.#ops.length;
  }

  async execute(): Promise<void> {
    if (this.#executed) throw new KvError("invalid_argument", "batch was already executed");
    this.#executed = true;
    const batch = this.#view.store.batch();
    for (const [key, value, isPut] of this.#ops) {
      if (isPut) batch.put(key, await this.#view.encode(key, value as T));
      else batch.delete(key);
    }
    await batch.execute();
  }
}

function keyText(key: Uint8Array): string {
  const text = new TextDecoder().decode(key);
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}
