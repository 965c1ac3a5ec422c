/**
 * Time and randomness as injected interfaces (DESIGN.md rule 1). The broker core and the
 * storage engines receive these as constructor parameters; production wiring passes the
 * system implementations from `runtime/`, the simulator passes virtual ones.
 */

/** A cancellable timer handle. */
export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Wall-clock milliseconds since the Unix epoch (record timestamps, retention). */
  nowMs(): number;
  /** Monotonic milliseconds from an arbitrary origin (timeouts, latency). */
  monotonicMs(): number;
  /** Runs `fn` once after `delayMs`. */
  setTimer(delayMs: number, fn: () => void): Timer;
  /** Resolves after `delayMs`. */
  sleep(delayMs: number): Promise<void>;
}

export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, bound). */
  int(bound: number): number;
  /** `length` random bytes. */
  bytes(length: number): Uint8Array;
}
