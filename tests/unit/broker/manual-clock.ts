/** A clock the test moves by hand: timers fire only inside `advance`. */
import type { Clock, Timer } from "../../../storage/clock.ts";

export class ManualClock implements Clock {
  private now = 1_700_000_000_000;
  private mono = 0;
  private timers: { at: number; fn: () => void; live: boolean }[] = [];

  nowMs(): number {
    return this.now;
  }
  monotonicMs(): number {
    return this.mono;
  }
  setTimer(delayMs: number, fn: () => void): Timer {
    const t = { at: this.mono + delayMs, fn, live: true };
    this.timers.push(t);
    return { cancel: () => (t.live = false) };
  }
  sleep(delayMs: number): Promise<void> {
    return new Promise((resolve) => this.setTimer(delayMs, resolve));
  }
  advance(ms: number): void {
    const end = this.mono + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.live && t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      due.live = false;
      this.now += due.at - this.mono;
      this.mono = due.at;
      due.fn();
    }
    this.now += end - this.mono;
    this.mono = end;
    this.timers = this.timers.filter((t) => t.live);
  }
}
