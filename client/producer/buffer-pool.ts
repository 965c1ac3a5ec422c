/**
 * Batch buffers, reused once their batch is finished (acknowledged or failed), so a busy
 * producer allocates, zero-fills and page-faults no new memory per batch. Like the Java
 * client's BufferPool, but by power-of-two size class: our batches start at the size
 * their partition's recent batches closed at (16 KiB … `batchBytes`) instead of one fixed
 * size, and a builder that outgrows its buffer doubles it, which stays in the classes.
 * What the pool keeps is bounded (the producer passes its `bufferBytes`).
 */
export class BufferPool {
  /** Free buffers by class: index k holds buffers of 2^k bytes. */
  readonly #free: Uint8Array[][] = [];
  readonly #maxPooledBytes: number;
  #pooledBytes = 0;

  constructor(maxPooledBytes: number) {
    this.#maxPooledBytes = maxPooledBytes;
  }

  /** Bytes held by free buffers. */
  get pooledBytes(): number {
    return this.#pooledBytes;
  }

  /** A buffer of at least `size` bytes (the next power of two): a free one, else a new one. */
  take(size: number): Uint8Array {
    const k = classOf(size);
    const buf = this.#free[k]?.pop();
    if (buf) {
      this.#pooledBytes -= buf.length;
      return buf;
    }
    return new Uint8Array(2 ** k);
  }

  /**
   * Takes back a buffer nothing references any more. Buffers that are not a whole
   * ArrayBuffer of a class size (an oversized record's, a view) and those past the bound
   * are left to the garbage collector.
   */
  give(buf: Uint8Array): void {
    const k = classOf(buf.length);
    if (2 ** k !== buf.length || buf.buffer.byteLength !== buf.length) return;
    if (this.#pooledBytes + buf.length > this.#maxPooledBytes) return;
    let list = this.#free[k];
    if (!list) {
      while (this.#free.length < k) this.#free.push([]);
      list = [];
      this.#free[k] = list;
    }
    list.push(buf);
    this.#pooledBytes += buf.length;
  }

  /** Drops every free buffer (the producer closed). */
  clear(): void {
    this.#free.length = 0;
    this.#pooledBytes = 0;
  }
}

/** The smallest k with 2^k ≥ size (size ≥ 1). */
function classOf(size: number): number {
  return size <= 1 ? 0 : 32 - Math.clz32(size - 1);
}
