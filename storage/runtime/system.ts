/** Production implementations of Clock and Random: the process's real time and entropy. */
import type { Clock, Random, Timer } from "../clock.ts";

export const systemClock: Clock = {
  nowMs: () => Date.now(),
  monotonicMs: () => performance.now(),
  setTimer(delayMs: number, fn: () => void): Timer {
    const handle = setTimeout(fn, delayMs);
    return { cancel: () => clearTimeout(handle) };
  },
  sleep: (delayMs: number) => new Promise((resolve) => setTimeout(resolve, delayMs)),
};

export const systemRandom: Random = {
  next: () => Math.random(),
  int: (bound: number) => Math.floor(Math.random() * bound),
  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    crypto.getRandomValues(out);
    return out;
  },
};
