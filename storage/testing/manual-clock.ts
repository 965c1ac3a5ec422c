/**
 * A clock that moves only when told to: for tests of segment.ms, retention and flush.ms,
 * and for the simulator. Timers fire in due order inside `advance`.
 */
import type { Clock, Timer } from "../clock.ts";

interface Pending {
  due: number;
  fn: () => void;
  cancelled: boolean;
}

export class ManualClock implements Clock {
  private now: number;
  private mono = 0;
  private timers: Pending[] = [];

  constructor(startMs = 1_700_000_000_000) {
    this.now = startMs;
  }

  nowMs(): number {
    return this.now;
  }

  monotonicMs(): number {
    return this.mono;
  }

  setTimer(delayMs: number, fn: () => void): Timer {
    const t: Pending = { due: this.mono + delayMs, fn, cancelled: false };
    this.timers.push(t);
    return {
      cancel: () => {
        t.cancelled = true;
      },
    };
  }

  sleep(delayMs: number): Promise<void> {
    return new Promise((resolve) => this.setTimer(delayMs, resolve));
  }

  /** Moves time forward, firing due timers in order. */
  advance(ms: number): void {
    const target = this.mono + ms;
    for (;;) {
      const due = this.timers
        .filter((t) => !t.cancelled && t.due <= target)
        .sort((a, b) => a.due - b.due)[0];
      if (due === undefined) break;
      this.now += due.due - this.mono;
      this.mono = due.due;
      due.cancelled = true;
      due.fn();
    }
    this.timers = this.timers.filter((t) => !t.cancelled);
    this.now += target - this.mono;
    this.mono = target;
  }
}
