import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { Histogram } from "../../../bench/histogram.ts";

function exactPercentile(sorted: number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? 0;
}

describe("latency histogram", () => {
  test("small values are exact", () => {
    const h = new Histogram();
    for (let v = 0; v < 1000; v++) h.record(v);
    expect(h.percentile(50)).toBe(499);
    expect(h.percentile(100)).toBe(999);
    expect(h.min).toBe(0);
    expect(h.count).toBe(1000);
  });

  test("percentiles of any sample are within 0.1% of the exact ones", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 3_600_000_000 }), { minLength: 1, maxLength: 300 }),
        fc.constantFrom(50, 90, 95, 99, 99.9, 100),
        (values, p) => {
          const h = new Histogram();
          for (const v of values) h.record(v);
          const exact = exactPercentile(
            [...values].sort((a, b) => a - b),
            p,
          );
          const got = h.percentile(p);
          expect(got).toBeGreaterThanOrEqual(exact);
          expect(got - exact).toBeLessThanOrEqual(Math.max(1, exact * 0.001));
        },
      ),
    );
  });

  test("adding per-client histograms equals recording everything in one", () => {
    const a = new Histogram();
    const b = new Histogram();
    const all = new Histogram();
    for (let i = 0; i < 5000; i++) {
      const v = (i * 7919) % 100_000;
      (i % 2 ? a : b).record(v);
      all.record(v);
    }
    a.add(b);
    for (const p of [50, 95, 99, 99.9]) expect(a.percentile(p)).toBe(all.percentile(p));
    expect(a.max).toBe(all.max);
    expect(a.mean).toBeCloseTo(all.mean, 6);
  });

  test("values above the trackable range are clamped, not lost", () => {
    const h = new Histogram(1000);
    h.record(5000);
    expect(h.count).toBe(1);
    expect(h.max).toBe(1000);
  });
});
