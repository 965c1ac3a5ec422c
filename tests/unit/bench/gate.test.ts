import { describe, expect, test } from "bun:test";
import { type Baseline, compare, type MetricResult, parseRegression } from "../../../bench/gate.ts";

const metric = (ratio: number): MetricResult => ({
  ratio,
  reference: "vsDiskFsync",
  recordsPerSec: 1,
  mbPerSec: 1,
  p99Ms: 1,
});

const baseline: Baseline = {
  version: 1,
  recordedAt: "2026-01-01T00:00:00Z",
  machine: { platform: "linux", arch: "x64", cpus: 2, bun: "1.4.5", load1: 0 },
  durationMs: 5000,
  metrics: { produce: metric(0.5), consume: metric(2) },
};

describe("gate comparison", () => {
  test("a ratio that dropped beyond the threshold is a regression; within it is ok", () => {
    const rows = compare(baseline, { produce: metric(0.44), consume: metric(1.85) }, 0.1);
    expect(rows.find((r) => r.name === "produce")?.status).toBe("regression");
    expect(rows.find((r) => r.name === "produce")?.change).toBeCloseTo(-0.12, 5);
    expect(rows.find((r) => r.name === "consume")?.status).toBe("ok");
  });

  test("a faster run is never a regression", () => {
    expect(compare(baseline, { produce: metric(5) }, 0)[0]?.status).toBe("ok");
  });

  test("an item missing from the baseline is reported as new, not failed", () => {
    const rows = compare(baseline, { "single-record": metric(3) }, 0.1);
    expect(rows).toEqual([
      {
        name: "single-record",
        reference: "vsDiskFsync",
        baseline: null,
        current: 3,
        change: null,
        status: "new",
      },
    ]);
    expect(compare(null, { produce: metric(1) }, 0.1)[0]?.status).toBe("new");
  });

  test("a baseline ratio to a different limit is not compared (new, not a regression)", () => {
    const other = { ...metric(0.01), reference: "vsTcpLoopback" as const };
    expect(compare(baseline, { produce: other }, 0.1)[0]?.status).toBe("new");
  });

  test("--max-regression accepts percent and fractions", () => {
    expect(parseRegression("10%")).toBeCloseTo(0.1);
    expect(parseRegression("10")).toBeCloseTo(0.1);
    expect(parseRegression("0.25")).toBeCloseTo(0.25);
    expect(() => parseRegression("ten")).toThrow(RangeError);
  });
});
