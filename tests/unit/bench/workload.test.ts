import { describe, expect, test } from "bun:test";
import { Meter } from "../../../bench/meter.ts";
import { Pacer, payload, StopCondition, shares, writeKey } from "../../../bench/workload.ts";

describe("workload helpers", () => {
  test("a record budget is handed out until spent, then nothing", () => {
    const stop = new StopCondition(10, 0);
    expect(stop.allowance(0, 4)).toBe(4);
    expect(stop.allowance(8, 4)).toBe(2);
    expect(stop.allowance(10, 4)).toBe(0);
    expect(() => new StopCondition(0, 0)).toThrow(RangeError);
  });

  test("a deadline in the past stops the run whatever the budget", () => {
    const stop = new StopCondition(0, 1, performance.now() - 10);
    expect(stop.allowance(0, 100)).toBe(0);
    expect(stop.done).toBe(true);
  });

  test("the pacer releases records at the capped rate and knows when each was due", () => {
    const pacer = new Pacer(1000, 0);
    expect(pacer.due(0, 500)).toBe(500);
    expect(pacer.due(400, 500)).toBe(100);
    expect(pacer.intendedMs(250)).toBe(250);
    expect(new Pacer(0, 0).unlimited).toBe(true);
  });

  test("shares split a total without losing any", () => {
    expect(shares(10, 3)).toEqual([4, 3, 3]);
    expect(shares(0, 2)).toEqual([0, 0]);
  });

  test("payloads are printable letters, deterministic per seed; keys are zero-padded digits", () => {
    const p = payload(100, 7);
    expect(p.every((b) => b >= 65 && b < 91)).toBe(true);
    expect(payload(100, 7)).toEqual(p);
    const key = new Uint8Array(6);
    writeKey(key, 4207);
    expect(new TextDecoder().decode(key)).toBe("004207");
  });
});

describe("meter", () => {
  test("the summary reports totals, rates and percentiles of what was recorded", () => {
    const m = new Meter();
    m.start(0);
    for (let i = 1; i <= 100; i++) m.latencyMs(i);
    m.add(1000, 100_000);
    m.stop(2000);
    const s = m.summary();
    expect(s.records).toBe(1000);
    expect(s.recordsPerSec).toBeCloseTo(500);
    expect(s.mbPerSec).toBeCloseTo(0.05);
    expect(s.latency.p50Ms).toBeCloseTo(50, 0);
    expect(s.latency.p99Ms).toBeCloseTo(99, 0);
    expect(s.latency.maxMs).toBeCloseTo(100, 0);
    expect(s.latency.samples).toBe(100);
  });

  test("a progress line covers only the interval since the previous one", () => {
    const m = new Meter();
    m.start(0);
    m.add(500, 50_000);
    m.latencyMs(4);
    expect(m.progressLine(1000)).toMatch(
      /\[\s+1\.0s\]\s+500 rec\/s\s+0\.1 MB\/s\s+avg 4\.00 ms\s+max 4\.00 ms/,
    );
    m.add(100, 10_000);
    expect(m.progressLine(2000)).toMatch(/100 rec\/s .* avg 0\.00 ms\s+max 0\.00 ms/);
  });
});
