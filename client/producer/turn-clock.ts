/**
 * Wall-clock milliseconds for record create times, read from the system clock at most once
 * per `maxUses` calls and never across turns of the event loop.
 *
 * Why: `Date.now()` costs ≈ 45 ns on this kind of VM (a vDSO clock_gettime), a tenth of the
 * client's whole CPU per record in batched produce. Records produced in a tight loop are
 * microseconds apart, so re-reading the clock for each one buys nothing at millisecond
 * resolution. The bounds keep the value fresh: a microtask queued at each read ends its
 * validity when the current synchronous run ends (a producer called from timers, socket
 * callbacks or after an `await` reads the clock again), and within one run a read serves
 * at most `maxUses` records, so a caller doing slow work between records still sees time
 * move.
 */
export class TurnClock {
  readonly #maxUses: number;
  readonly #read: () => number;
  #value = 0;
  /** Calls the current reading may still serve; 0 forces a read. */
  #uses = 0;
  #resetQueued = false;
  readonly #reset = (): void => {
    this.#uses = 0;
    this.#resetQueued = false;
  };

  /** `read`: the clock (injected for tests). */
  constructor(maxUses = 16, read: () => number = Date.now) {
    this.#maxUses = maxUses;
    this.#read = read;
  }

  now(): number {
    if (this.#uses > 0) {
      this.#uses--;
      return this.#value;
    }
    this.#value = this.#read();
    this.#uses = this.#maxUses - 1;
    if (!this.#resetQueued) {
      this.#resetQueued = true;
      queueMicrotask(this.#reset);
    }
    return this.#value;
  }
}
