/**
 * Fetched records waiting for `poll`, in runs: each partition's records from one fetch sit
 * together, tagged once with their owner (the partition's state) instead of per record.
 * Taking records reports, per run, the last record taken, so the consumer advances a
 * partition's position once per run rather than once per record; a poll limited by
 * maxPollRecords copies out only what it returns (a read index, no splice of the rest).
 */

interface Run<T> {
  owner: T;
  /** Index in `items` after the run's last record. */
  end: number;
}

export class RecordBuffer<R, T> {
  /** Buffered records; `items[head..]` are not taken yet. */
  #items: R[] = [];
  #head = 0;
  #runs: Run<T>[] = [];

  get size(): number {
    return this.#items.length - this.#head;
  }

  /**
   * Appends a run of `owner`'s records: `fill` pushes them onto the array it is given and
   * its result is returned. If `fill` throws, what it pushed is removed again.
   */
  append<X>(owner: T, fill: (items: R[]) => X): X {
    const items = this.#items;
    const start = items.length;
    let result: X;
    try {
      result = fill(items);
    } catch (err) {
      items.length = start;
      throw err;
    }
    if (items.length > start) this.#runs.push({ owner, end: items.length });
    return result;
  }

  /**
   * Removes and returns up to `max` records (the buffer's own array when all go), calling
   * `last` with each run's owner and the last of its records taken.
   */
  take(max: number, last: (owner: T, record: R) => void): R[] {
    const head = this.#head;
    const stop = Math.min(this.#items.length, head + max);
    const runs = this.#runs;
    let done = 0;
    while (done < runs.length && runs[done]!.end <= stop) {
      const run = runs[done++]!;
      last(run.owner, this.#items[run.end - 1]!);
    }
    // A run cut by `max`: its records up to `stop` go (runs are contiguous from `head`).
    const partial = runs[done];
    const partialStart = done > 0 ? runs[done - 1]!.end : head;
    if (partial && partialStart < stop) last(partial.owner, this.#items[stop - 1]!);
    runs.splice(0, done);
    let out: R[];
    if (stop === this.#items.length) {
      out = head === 0 ? this.#items : this.#items.slice(head);
      this.clear();
    } else {
      out = this.#items.slice(head, stop);
      this.#head = stop;
    }
    return out;
  }

  /** Drops every buffered record whose run belongs to an owner `drop` accepts. */
  drop(drop: (owner: T) => boolean): void {
    if (!this.#runs.some((r) => drop(r.owner))) return;
    const items: R[] = [];
    const runs: Run<T>[] = [];
    let start = this.#head;
    for (const run of this.#runs) {
      if (!drop(run.owner)) {
        for (let i = start; i < run.end; i++) items.push(this.#items[i]!);
        runs.push({ owner: run.owner, end: items.length });
      }
      start = run.end;
    }
    this.#items = items;
    this.#head = 0;
    this.#runs = runs;
  }

  clear(): void {
    this.#items = [];
    this.#head = 0;
    this.#runs = [];
  }
}
