/**
 * Partition choice, matching the Java client (KIP-480 sticky partitioning):
 * - a record with an explicit partition goes there;
 * - a keyed record goes to toPositive(murmur2(key)) % numPartitions;
 * - a keyless record sticks to one partition until the batch for it is sent (or fills),
 *   then moves to another, so keyless traffic still forms large batches.
 */
import { murmur2, toPositive } from "./murmur2.ts";

export function partitionForKey(key: Uint8Array, numPartitions: number): number {
  return toPositive(murmur2(key)) % numPartitions;
}

/** A source of integers in [0, bound), injected so tests are deterministic. */
export type RandomInt = (bound: number) => number;

export const mathRandomInt: RandomInt = (bound) => Math.floor(Math.random() * bound);

/**
 * Where one topic's keyless records go. The producer keeps one per topic beside its
 * partition queues, so the per-record choice costs no lookup by topic name.
 */
export class StickyTopic {
  /** The current sticky partition, or -1 before the first keyless record. */
  #current = -1;
  readonly #random: RandomInt;

  constructor(random: RandomInt) {
    this.#random = random;
  }

  /** The partition keyless records currently go to. */
  partition(numPartitions: number): number {
    const current = this.#current;
    if (current >= 0 && current < numPartitions) return current;
    return this.#pick(numPartitions, -1);
  }

  /** Called when the batch for `previous` was completed: move keyless records elsewhere. */
  onNewBatch(numPartitions: number, previous: number): number {
    const current = this.#current;
    if (current >= 0 && current !== previous) return current;
    return this.#pick(numPartitions, previous);
  }

  #pick(numPartitions: number, avoid: number): number {
    let p = this.#random(numPartitions);
    if (numPartitions > 1 && p === avoid)
      p = (p + 1 + this.#random(numPartitions - 1)) % numPartitions;
    this.#current = p;
    return p;
  }
}

/** Sticky partitioning for every topic, by name. */
export class StickyPartitioner {
  readonly #topics = new Map<string, StickyTopic>();
  readonly #random: RandomInt;

  constructor(random: RandomInt = mathRandomInt) {
    this.#random = random;
  }

  /** The state of `topic`'s keyless records, created on first use. */
  forTopic(topic: string): StickyTopic {
    let t = this.#topics.get(topic);
    if (!t) {
      t = new StickyTopic(this.#random);
      this.#topics.set(topic, t);
    }
    return t;
  }

  /** The partition keyless records for `topic` currently go to. */
  partition(topic: string, numPartitions: number): number {
    return this.forTopic(topic).partition(numPartitions);
  }

  /** Called when the batch for `previous` was completed: move keyless records elsewhere. */
  onNewBatch(topic: string, numPartitions: number, previous: number): number {
    return this.forTopic(topic).onNewBatch(numPartitions, previous);
  }
}
