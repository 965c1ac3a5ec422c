import { describe, expect, test } from "bun:test";
import { TurnClock } from "../../../../client/producer/turn-clock.ts";

/** A clock that moves by 1 ms per read and counts the reads. */
function countingClock() {
  const c = { reads: 0, read: () => 1000 + c.reads++ };
  return c;
}

describe("TurnClock", () => {
  test("within one synchronous run, a reading serves at most maxUses calls", () => {
    const c = countingClock();
    const clock = new TurnClock(4, c.read);
    const seen = Array.from({ length: 10 }, () => clock.now());
    expect(seen).toEqual([1000, 1000, 1000, 1000, 1001, 1001, 1001, 1001, 1002, 1002]);
    expect(c.reads).toBe(3);
  });

  test("the next turn reads the clock again, even with uses left", async () => {
    const c = countingClock();
    const clock = new TurnClock(16, c.read);
    expect(clock.now()).toBe(1000);
    expect(clock.now()).toBe(1000);
    await Promise.resolve();
    expect(clock.now()).toBe(1001);
    await new Promise((r) => setTimeout(r, 0));
    expect(clock.now()).toBe(1002);
    expect(c.reads).toBe(3);
  });

  test("with the real clock, time moves between turns", async () => {
    const clock = new TurnClock();
    const before = clock.now();
    await new Promise((r) => setTimeout(r, 5));
    expect(clock.now()).toBeGreaterThanOrEqual(before + 4);
  });
});
