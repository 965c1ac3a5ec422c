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

export class StickyPartitioner {
  readonly #sticky = new Map<string, number>();
  readonly #random: RandomInt;

  constructor(random: RandomInt = mathRandomInt) {
    this.#random = random;
  }

  /** The partition keyless records for `topic` currently go to. */
  partition(topic: string, numPartitions: number): number {
    const current = this.#sticky.get(topic);
    if (current !== undefined && current < numPartitions) return current;
    return this.#pick(topic, numPartitions, -1);
  }

  /** Called when the batch for `previous` was completed: move keyless records elsewhere. */
  onNewBatch(topic: string, numPartitions: number, previous: number): number {
    const current = this.#sticky.get(topic);
    if (current !== undefined && current !== previous) return current;
    return this.#pick(topic, numPartitions, previous);
  }

  #pick(topic: string, numPartitions: number, avoid: number): number {
    let p = this.#random(numPartitions);
    if (numPartitions > 1 && p === avoid)
      p = (p + 1 + this.#random(numPartitions - 1)) % numPartitions;
    this.#sticky.set(topic, p);
    return p;
  }
}
