/**
 * `datacore bench` as a user runs it: one command starts its own broker, produces (or
 * sends single records), prints progress on stderr and a well-formed summary. These
 * tests check the command and the shape of its output, never a speed (that is the gate's
 * job, on a quiet machine).
 */
import { describe, expect, test } from "bun:test";
import { runCli } from "../fixtures/cli.ts";

describe("datacore bench", () => {
  test("produce --embedded prints progress lines and a summary with latency percentiles", async () => {
    const r = await runCli([
      "bench",
      "produce",
      "--embedded",
      "--duration",
      "2s",
      "--progress-interval",
      "500ms",
    ]);
    expect(r.stderr).toMatch(
      /\[\s+\d+\.\ds\]\s+[\d,]+ rec\/s\s+[\d.]+ MB\/s\s+avg [\d.]+ ms\s+max [\d.]+ ms/,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^workload\s+produce \(.*acks=all.*\)$/m);
    expect(r.stdout).toMatch(/^throughput\s+[\d,]+ rec\/s\s+[\d.]+ MB\/s$/m);
    expect(r.stdout).toMatch(/p50 [\d.]+\s+p95 [\d.]+\s+p99 [\d.]+\s+p99\.9 [\d.]+/);
    expect(r.stdout).toMatch(/^broker rss\s+start \d+ MiB\s+max \d+ MiB/m);
  }, 60_000);

  test("single-record --format json reports every acknowledged record, bounded by --records", async () => {
    const r = await runCli([
      "bench",
      "single-record",
      "--embedded",
      "--records",
      "20000",
      "--concurrency",
      "100",
      "--clients",
      "2",
      "--progress-interval",
      "0",
      "--format",
      "json",
    ]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.workload).toBe("single-record");
    expect(report.records).toBe(20000);
    expect(report.latency.samples).toBe(20000);
    expect(report.latency.p50Ms).toBeGreaterThan(0);
    expect(report.latency.p99Ms).toBeGreaterThanOrEqual(report.latency.p50Ms);
    expect(report.config.acks).toBe("all");
    expect(report.brokerMemory.maxBytes).toBeGreaterThan(0);
  }, 60_000);

  test("consume fills an empty topic first, then reads every record back", async () => {
    const r = await runCli([
      "bench",
      "consume",
      "--embedded",
      "--records",
      "50000",
      "--storage-engine",
      "memory",
      "--progress-interval",
      "0",
      "--format",
      "json",
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("filling datacore-bench");
    expect(JSON.parse(r.stdout).records).toBe(50000);
  }, 60_000);

  test("e2e measures latency from send to receipt for every record", async () => {
    const r = await runCli([
      "bench",
      "e2e",
      "--embedded",
      "--records",
      "30000",
      "--throughput",
      "20000",
      "--progress-interval",
      "0",
      "--format",
      "json",
    ]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.records).toBe(30000);
    expect(report.latency.samples).toBe(30000);
  }, 60_000);

  test("calibrate reports disk and loopback limits", async () => {
    const r = await runCli(["bench", "calibrate", "--quick", "--dir", "/tmp", "--format", "json"]);
    expect(r.code).toBe(0);
    const c = JSON.parse(r.stdout);
    for (const k of ["disk_fsync_per_mib", "disk_unsynced", "tcp_loopback"])
      expect(c[k].mbPerSec).toBeGreaterThan(0);
    expect(c.disk_small_syncs.syncsPerSec).toBeGreaterThan(0);
    // --quick alone skips the timed measurement.
    expect(c.disk_fsync_timed).toBeUndefined();
  }, 60_000);

  test("calibrate --seconds also keeps the disk writing for that long, second by second", async () => {
    const r = await runCli([
      "bench",
      "calibrate",
      "--quick",
      "--seconds",
      "2s",
      "--dir",
      "/tmp",
      "--format",
      "json",
    ]);
    expect(r.code).toBe(0);
    const timed = JSON.parse(r.stdout).disk_fsync_timed;
    expect(timed.seconds).toBeGreaterThanOrEqual(2);
    expect(timed.perSecond.length).toBeGreaterThanOrEqual(1);
    expect(timed.bytes % (1024 * 1024)).toBe(0);
  }, 60_000);

  test("a workload without --brokers or --embedded reaching no broker fails with exit 1", async () => {
    const r = await runCli([
      "bench",
      "produce",
      "--brokers",
      "127.0.0.1:1",
      "--duration",
      "1s",
      "--progress-interval",
      "0",
    ]);
    expect(r.code).toBe(1);
  }, 60_000);
});
