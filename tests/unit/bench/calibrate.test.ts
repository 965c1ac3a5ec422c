import { describe, expect, test } from "bun:test";
import { type Calibration, sustainedMbPerSec, type Throughput } from "../../../bench/calibrate.ts";
import { ratiosOf, summaryLines } from "../../../bench/report.ts";
import type { WorkloadResult } from "../../../bench/workload.ts";

const tp = (mbPerSec: number, perSecond?: number[]): Throughput => ({
  bytes: mbPerSec * 1e6,
  seconds: 1,
  mbPerSec,
  ...(perSecond ? { perSecond } : {}),
});

describe("timed disk calibration", () => {
  test("the sustained rate is the median second after the first (the burst)", () => {
    expect(sustainedMbPerSec(tp(220, [540, 170, 160, 190, 175]))).toBe(175);
    expect(sustainedMbPerSec(tp(540, [540]))).toBeNull();
    expect(sustainedMbPerSec(tp(540))).toBeNull();
  });

  test("a run is divided by both the 64 MiB burst and the timed measurement", () => {
    const calibration: Calibration = {
      disk_fsync_per_mib: tp(600),
      disk_fsync_timed: { ...tp(200, [550, 170, 165]), seconds: 10 },
      disk_unsynced: tp(900),
      tcp_loopback: tp(1500),
      disk_small_syncs: { syncs: 1000, seconds: 1, syncsPerSec: 1000, p50Ms: 0.5 },
    };
    const result = {
      workload: "produce",
      config: {},
      records: 15_000_000,
      seconds: 10,
      recordsPerSec: 1_500_000,
      mbPerSec: 150,
      latency: { avgMs: 1, p50Ms: 1, p95Ms: 1, p99Ms: 1, p999Ms: 1, maxMs: 1, samples: 1 },
    } as unknown as WorkloadResult;
    const ratios = ratiosOf(result, calibration);
    expect(ratios.vsDiskFsync).toBeCloseTo(0.25);
    expect(ratios.vsDiskFsyncTimed).toBeCloseTo(0.75);
    const text = summaryLines({ ...result, calibration, ratios }).join("\n");
    expect(text).toContain("75.0% of disk fsync kept up as long");
    expect(text).toContain("first second 550 MB/s, then 170 MB/s");
  });

  test("without a timed measurement the ratio is left out, not zero", () => {
    const calibration: Calibration = {
      disk_fsync_per_mib: tp(600),
      disk_unsynced: tp(900),
      tcp_loopback: tp(1500),
      disk_small_syncs: { syncs: 1000, seconds: 1, syncsPerSec: 1000, p50Ms: 0.5 },
    };
    const ratios = ratiosOf(
      { mbPerSec: 60, recordsPerSec: 600_000 } as WorkloadResult,
      calibration,
    );
    expect(ratios.vsDiskFsyncTimed).toBeUndefined();
  });
});
