/**
 * Where a KvStore keeps its materialised view of the topic. The store owns the bytes it
 * is given (the KvStore copies them out of fetch buffers first). The interface is
 * synchronous on purpose: applying a record and answering a read must never interleave,
 * which is what makes "a write is visible once its offset is applied" hold without locks,
 * and it keeps a million-key bootstrap free of per-record promises. A synchronous embedded
 * database (bun:sqlite, LMDB bindings) fits behind it as well as the default below.
 */

import { compareBytes } from "./bytes.ts";

export interface KvEntry {
  key: Uint8Array;
  value: Uint8Array;
}

export interface ScanQuery {
  /** Lower bound, inclusive unless `startExclusive`. Absent: from the first key. */
  start?: Uint8Array;
  /** Skip `start` itself (used to continue a scan after the last key returned). */
  startExclusive?: boolean;
  /** Exclusive upper bound. Absent: to the last key. */
  end?: Uint8Array;
  /** At most this many entries. */
  limit: number;
}

export interface LocalStore {
  readonly size: number;
  get(key: Uint8Array): Uint8Array | undefined;
  set(key: Uint8Array, value: Uint8Array): void;
  /** True when the key was present. */
  delete(key: Uint8Array): boolean;
  /** Entries in unsigned byte order of their keys, within the query's bounds. */
  scan(query: ScanQuery): KvEntry[];
  /** Forget everything (a KvStore calls it before bootstrapping from the log start). */
  clear(): void;
}

/** Blocks split at this size; 512 keeps a splice cheap and the block index small. */
const MAX_BLOCK = 512;

interface Block {
  keys: Uint8Array[];
  values: Uint8Array[];
}

/**
 * The default LocalStore: a sorted map as a list of sorted blocks (the layout of Python's
 * SortedContainers). Lookups binary-search the blocks' last keys, then the block; inserts
 * splice into one block of at most 512 entries and split it when full. Every operation is
 * O(log n + 512) and a scan is a seek plus a walk, with no rebalancing pauses.
 */
export class SortedMemoryStore implements LocalStore {
  #blocks: Block[] = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  get(key: Uint8Array): Uint8Array | undefined {
    const bi = this.#blockFor(key);
    const block = this.#blocks[bi];
    if (!block) return undefined;
    const i = lowerBound(block.keys, key);
    const found = block.keys[i];
    return found !== undefined && compareBytes(found, key) === 0 ? block.values[i] : undefined;
  }

  set(key: Uint8Array, value: Uint8Array): void {
    if (this.#blocks.length === 0) {
      this.#blocks.push({ keys: [key], values: [value] });
      this.#size = 1;
      return;
    }
    // Past the last key (a replay of keys written in order): append without a search.
    const lastBlock = this.#blocks[this.#blocks.length - 1]!;
    if (compareBytes(lastBlock.keys[lastBlock.keys.length - 1]!, key) < 0) {
      lastBlock.keys.push(key);
      lastBlock.values.push(value);
      this.#size++;
      if (lastBlock.keys.length > MAX_BLOCK) this.#split(this.#blocks.length - 1);
      return;
    }
    const bi = this.#blockFor(key);
    const block = this.#blocks[bi]!;
    const i = lowerBound(block.keys, key);
    const found = block.keys[i];
    if (found !== undefined && compareBytes(found, key) === 0) {
      block.values[i] = value;
      return;
    }
    block.keys.splice(i, 0, key);
    block.values.splice(i, 0, value);
    this.#size++;
    if (block.keys.length > MAX_BLOCK) this.#split(bi);
  }

  #split(bi: number): void {
    const block = this.#blocks[bi]!;
    const half = block.keys.length >>> 1;
    const right: Block = { keys: block.keys.splice(half), values: block.values.splice(half) };
    this.#blocks.splice(bi + 1, 0, right);
  }

  delete(key: Uint8Array): boolean {
    const bi = this.#blockFor(key);
    const block = this.#blocks[bi];
    if (!block) return false;
    const i = lowerBound(block.keys, key);
    const found = block.keys[i];
    if (found === undefined || compareBytes(found, key) !== 0) return false;
    block.keys.splice(i, 1);
    block.values.splice(i, 1);
    this.#size--;
    if (block.keys.length === 0) this.#blocks.splice(bi, 1);
    return true;
  }

  scan(query: ScanQuery): KvEntry[] {
    const out: KvEntry[] = [];
    if (query.limit <= 0) return out;
    let bi = query.start ? this.#blockFor(query.start) : 0;
    let i = 0;
    if (query.start) {
      const block = this.#blocks[bi];
      if (!block) return out;
      i = query.startExclusive
        ? upperBound(block.keys, query.start)
        : lowerBound(block.keys, query.start);
    }
    for (; bi < this.#blocks.length; bi++, i = 0) {
      const { keys, values } = this.#blocks[bi]!;
      for (; i < keys.length; i++) {
        const key = keys[i]!;
        if (query.end && compareBytes(key, query.end) >= 0) return out;
        out.push({ key, value: values[i]! });
        if (out.length >= query.limit) return out;
      }
    }
    return out;
  }

  clear(): void {
    this.#blocks = [];
    this.#size = 0;
  }

  /** Index of the first block whose last key is ≥ key (blocks.length when none is). */
  #blockFor(key: Uint8Array): number {
    let lo = 0;
    let hi = this.#blocks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const keys = this.#blocks[mid]!.keys;
      if (compareBytes(keys[keys.length - 1]!, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** First index whose key is ≥ key. */
function lowerBound(keys: readonly Uint8Array[], key: Uint8Array): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareBytes(keys[mid]!, key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose key is > key. */
function upperBound(keys: readonly Uint8Array[], key: Uint8Array): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareBytes(keys[mid]!, key) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
