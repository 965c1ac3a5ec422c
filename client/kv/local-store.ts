/**
 * Where a KvStore keeps its materialised view of the topic. The store owns the bytes it
 * is given (the KvStore copies them out of fetch buffers first). The interface is
 * synchronous on purpose: applying a record and answering a read must never interleave,
 * which is what makes "a write is visible once its offset is applied" hold without locks,
 * and it keeps a million-key bootstrap free of per-record promises. A synchronous embedded
 * database (bun:sqlite, LMDB bindings) fits behind it as well as the default below.
 */

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

/** Entries per block before it splits: small enough that shifting one block is cheap. */
const MAX_ENTRIES = 256;

/**
 * One sorted run of entries. The keys sit back to back in one byte buffer (`ends[i]` is
 * where key i ends), so a search inside a block reads contiguous memory instead of chasing
 * one object per key — with a million keys, pointer chasing, not comparing, is the cost.
 */
class Block {
  bytes: Uint8Array;
  readonly ends = new Uint32Array(MAX_ENTRIES + 1);
  values: Uint8Array[] = [];
  count = 0;

  constructor(capacityBytes: number) {
    this.bytes = new Uint8Array(Math.max(64, capacityBytes));
  }

  start(i: number): number {
    return i === 0 ? 0 : this.ends[i - 1]!;
  }

  get used(): number {
    return this.count === 0 ? 0 : this.ends[this.count - 1]!;
  }

  /** Key i compared with `key`, as unsigned bytes. */
  compareAt(i: number, key: Uint8Array): number {
    const bytes = this.bytes;
    const s = this.start(i);
    const len = this.ends[i]! - s;
    const n = Math.min(len, key.length);
    for (let j = 0; j < n; j++) {
      const d = bytes[s + j]! - key[j]!;
      if (d !== 0) return d;
    }
    return len - key.length;
  }

  /** First index whose key is ≥ key (or > key when `after`). */
  search(key: Uint8Array, after = false): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = this.compareAt(mid, key);
      if (c < 0 || (after && c === 0)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  keyAt(i: number): Uint8Array {
    return this.bytes.slice(this.start(i), this.ends[i]);
  }

  insert(i: number, key: Uint8Array, value: Uint8Array): void {
    const s = this.start(i);
    const used = this.used;
    const k = key.length;
    if (used + k > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, used + k));
      grown.set(this.bytes.subarray(0, used));
      this.bytes = grown;
    }
    this.bytes.copyWithin(s + k, s, used);
    this.bytes.set(key, s);
    const ends = this.ends;
    ends.copyWithin(i + 1, i, this.count);
    ends[i] = s + k;
    for (let j = i + 1; j <= this.count; j++) ends[j] = ends[j]! + k;
    this.values.splice(i, 0, value);
    this.count++;
  }

  remove(i: number): void {
    const s = this.start(i);
    const e = this.ends[i]!;
    const k = e - s;
    this.bytes.copyWithin(s, e, this.used);
    const ends = this.ends;
    ends.copyWithin(i, i + 1, this.count);
    for (let j = i; j < this.count - 1; j++) ends[j] = ends[j]! - k;
    this.values.splice(i, 1);
    this.count--;
  }

  /** Moves the upper half into a new block and returns it. */
  split(): Block {
    const half = this.count >>> 1;
    const from = this.start(half);
    const used = this.used;
    const right = new Block((used - from) * 2);
    right.bytes.set(this.bytes.subarray(from, used));
    for (let j = half; j < this.count; j++) right.ends[j - half] = this.ends[j]! - from;
    right.count = this.count - half;
    right.values = this.values.splice(half);
    this.count = half;
    return right;
  }
}

/** Words of the block index per block: the first 16 bytes of its last key, big-endian. */
const WORDS = 4;

/** The first 16 bytes of a key as 4 big-endian words, zero-padded: compares like the bytes. */
function prefixWords(key: Uint8Array, out: Uint32Array, at: number): void {
  for (let w = 0; w < WORDS; w++) {
    let v = 0;
    for (let b = 0; b < 4; b++) v = v * 256 + (key[w * 4 + b] ?? 0);
    out[at + w] = v;
  }
}

/**
 * The default LocalStore: a sorted map as a list of sorted blocks of at most 256 entries
 * (the layout of Python's SortedContainers, with each block's keys packed in one buffer).
 * The block index keeps the first 16 bytes of each block's last key in one typed array, so
 * finding the block reads contiguous memory and touches a block only on a 16-byte tie.
 * Every operation is O(log n + 256) with no rebalancing pauses, a scan is a seek plus a
 * walk, and keys written in ascending order append without a search.
 */
export class SortedMemoryStore implements LocalStore {
  #blocks: Block[] = [];
  #index = new Uint32Array(WORDS * 64);
  readonly #probe = new Uint32Array(WORDS);
  #size = 0;

  get size(): number {
    return this.#size;
  }

  get(key: Uint8Array): Uint8Array | undefined {
    const block = this.#blocks[this.#blockFor(key)];
    if (!block) return undefined;
    const i = block.search(key);
    return i < block.count && block.compareAt(i, key) === 0 ? block.values[i] : undefined;
  }

  set(key: Uint8Array, value: Uint8Array): void {
    const blocks = this.#blocks;
    if (blocks.length === 0) {
      blocks.push(new Block(key.length * 16));
      this.#indexInsert(0);
    }
    // Past the last key (a replay of keys written in order): append without a search.
    const lastIndex = blocks.length - 1;
    const last = blocks[lastIndex]!;
    let bi: number;
    let i: number;
    if (last.count === 0 || last.compareAt(last.count - 1, key) < 0) {
      bi = lastIndex;
      i = last.count;
    } else {
      bi = this.#blockFor(key);
      const block = blocks[bi]!;
      i = block.search(key);
      if (i < block.count && block.compareAt(i, key) === 0) {
        block.values[i] = value;
        return;
      }
    }
    const block = blocks[bi]!;
    block.insert(i, key, value);
    this.#size++;
    if (i === block.count - 1) prefixWords(key, this.#index, bi * WORDS);
    if (block.count > MAX_ENTRIES) {
      blocks.splice(bi + 1, 0, block.split());
      this.#indexInsert(bi + 1);
      this.#indexUpdate(bi);
      this.#indexUpdate(bi + 1);
    }
  }

  delete(key: Uint8Array): boolean {
    const bi = this.#blockFor(key);
    const block = this.#blocks[bi];
    if (!block) return false;
    const i = block.search(key);
    if (i >= block.count || block.compareAt(i, key) !== 0) return false;
    block.remove(i);
    this.#size--;
    if (block.count === 0) {
      this.#blocks.splice(bi, 1);
      this.#indexRemove(bi);
    } else if (i === block.count) this.#indexUpdate(bi);
    return true;
  }

  scan(query: ScanQuery): KvEntry[] {
    const out: KvEntry[] = [];
    if (query.limit <= 0) return out;
    let bi = 0;
    let i = 0;
    if (query.start) {
      bi = this.#blockFor(query.start);
      const block = this.#blocks[bi];
      if (!block) return out;
      i = block.search(query.start, query.startExclusive ?? false);
    }
    for (; bi < this.#blocks.length; bi++, i = 0) {
      const block = this.#blocks[bi]!;
      for (; i < block.count; i++) {
        if (query.end && block.compareAt(i, query.end) >= 0) return out;
        out.push({ key: block.keyAt(i), value: block.values[i]! });
        if (out.length >= query.limit) return out;
      }
    }
    return out;
  }

  clear(): void {
    this.#blocks = [];
    this.#index = new Uint32Array(WORDS * 64);
    this.#size = 0;
  }

  /** Index of the first block whose last key is ≥ key (blocks.length when none is). */
  #blockFor(key: Uint8Array): number {
    const probe = this.#probe;
    prefixWords(key, probe, 0);
    const index = this.#index;
    let lo = 0;
    let hi = this.#blocks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const at = mid * WORDS;
      let c = 0;
      for (let w = 0; w < WORDS && c === 0; w++) c = index[at + w]! - probe[w]!;
      if (c === 0) {
        // Same first 16 bytes: only the keys themselves can tell.
        const block = this.#blocks[mid]!;
        c = block.compareAt(block.count - 1, key);
      }
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #indexUpdate(bi: number): void {
    const block = this.#blocks[bi]!;
    prefixWords(block.keyAt(block.count - 1), this.#index, bi * WORDS);
  }

  /** Opens a slot for block `bi` (its words are written by the caller's update). */
  #indexInsert(bi: number): void {
    const n = this.#blocks.length;
    if (n * WORDS > this.#index.length) {
      const grown = new Uint32Array(this.#index.length * 2);
      grown.set(this.#index);
      this.#index = grown;
    }
    this.#index.copyWithin((bi + 1) * WORDS, bi * WORDS, (n - 1) * WORDS);
  }

  #indexRemove(bi: number): void {
    this.#index.copyWithin(bi * WORDS, (bi + 1) * WORDS, (this.#blocks.length + 1) * WORDS);
  }
}
