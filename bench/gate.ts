/**
 * The CI performance gate: a fixed suite of workloads against fresh embedded brokers
 * (file engine), each result divided by a limit of this machine measured just before it
 * (raw fsync'd disk bandwidth, loopback TCP, raw small-sync rate). Those ratios, not the
 * absolute numbers, are compared to a baseline file, so a slower CI machine does not fail
 * the gate but slower code does.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { type Calibration, calibrate } from "./calibrate.ts";
import type { Ratios } from "./report.ts";
import { runBench } from "./run.ts";
import { DEFAULT_OPTIONS, type WorkloadName, type WorkloadOptions } from "./workload.ts";

export interface SuiteItem {
  name: string;
  workload: WorkloadName;
  options: Partial<WorkloadOptions>;
  /** Which calibrated limit the result is divided by (the gate calibrates quickly, untimed). */
  reference: Exclude<keyof Ratios, "vsDiskFsyncTimed">;
}

/**
 * The fixed suite (100-byte records, file engine). Names are the baseline's keys. Every
 * item is divided by loopback TCP bandwidth: these paths are CPU-bound on small machines,
 * and of the calibrated limits that one moves with the CPU left to us (measured spread
 * between runs here: TCP ±20%, fsync'd disk and small-sync rate 2–3×). The docs report
 * the ratios to every limit.
 */
export const SUITE: readonly SuiteItem[] = [
  {
    name: "produce-acks-all",
    workload: "produce",
    options: { acks: -1, partitions: 4, clients: 1, lingerMs: 5, batchBytes: 1024 * 1024 },
    reference: "vsTcpLoopback",
  },
  {
    name: "produce-acks-1",
    workload: "produce",
    options: { acks: 1, partitions: 4, clients: 1, lingerMs: 5, batchBytes: 1024 * 1024 },
    reference: "vsTcpLoopback",
  },
  {
    name: "single-record",
    workload: "single-record",
    options: { acks: -1, partitions: 4, clients: 4, lingerMs: 0, concurrency: 500 },
    reference: "vsTcpLoopback",
  },
  {
    name: "consume",
    workload: "consume",
    options: { partitions: 4, clients: 1, records: 2_000_000, durationMs: 0 },
    reference: "vsTcpLoopback",
  },
  {
    name: "fetch-raw",
    workload: "consume",
    options: { partitions: 4, clients: 1, records: 3_000_000, durationMs: 0, decode: false },
    reference: "vsTcpLoopback",
  },
];

export interface MetricResult {
  ratio: number;
  reference: keyof Ratios;
  recordsPerSec: number;
  mbPerSec: number;
  p99Ms: number;
}

export interface Baseline {
  version: 1;
  recordedAt: string;
  machine: { platform: string; arch: string; cpus: number; bun: string; load1: number };
  durationMs: number;
  metrics: Record<string, MetricResult>;
}

export interface GateOptions {
  durationMs: number;
  /** Runs per item; the best ratio counts (noise only ever slows a run down). */
  repeat: number;
  only: readonly string[] | null;
  log: (line: string) => void;
}

export interface GateRow {
  name: string;
  reference: string;
  baseline: number | null;
  current: number;
  /** current / baseline - 1, or null without a baseline entry. */
  change: number | null;
  status: "ok" | "regression" | "new";
}

export async function runSuite(options: GateOptions): Promise<{
  metrics: Record<string, MetricResult>;
  /** The last calibration (each run had its own). */
  calibration: Calibration;
}> {
  const items = SUITE.filter((s) => options.only === null || options.only.includes(s.name));
  if (items.length === 0) throw new RangeError(`no suite items match ${options.only?.join(",")}`);
  const metrics: Record<string, MetricResult> = {};
  let calibration: Calibration | null = null;
  for (const item of items) {
    for (let i = 0; i < options.repeat; i++) {
      const durationMs = item.options.durationMs === 0 ? 0 : options.durationMs;
      // Calibrated next to each run, so a machine that slowed down since the suite began
      // (neighbours, disk write-back) moves the yardstick with the result.
      options.log(`${item.name} run ${i + 1}/${options.repeat}: calibrating`);
      const local = await calibrate(tmpdir(), true);
      calibration = local;
      const report = await runBench({
        workload: item.workload,
        embedded: { storageEngine: "file" },
        calibration: local,
        workloadOptions: {
          ...DEFAULT_OPTIONS,
          ...item.options,
          topic: `gate-${item.name}`,
          durationMs,
          progressMs: 0,
          log: options.log,
        },
      });
      const ratio = report.ratios![item.reference];
      options.log(
        `${item.name} run ${i + 1}/${options.repeat}: ${Math.round(report.recordsPerSec)} rec/s, ${report.mbPerSec.toFixed(1)} MB/s, p99 ${report.latency.p99Ms.toFixed(2)} ms, ratio ${ratio.toFixed(4)}`,
      );
      const prev = metrics[item.name];
      if (!prev || ratio > prev.ratio) {
        metrics[item.name] = {
          ratio,
          reference: item.reference,
          recordsPerSec: report.recordsPerSec,
          mbPerSec: report.mbPerSec,
          p99Ms: report.latency.p99Ms,
        };
      }
    }
  }
  return { metrics, calibration: calibration! };
}

/**
 * Items that run for `--duration` compare only with a baseline of the same duration: a
 * 1 s produce run is mostly start-up (the client's buffer filling, the first syncs) and
 * reads far lower than a 5 s one. Returns a note naming them, or null when comparable.
 */
export function durationNote(
  baseline: Baseline | null,
  durationMs: number,
  names: readonly string[],
): string | null {
  if (!baseline || baseline.durationMs === durationMs) return null;
  const timed = SUITE.filter((s) => s.options.durationMs !== 0 && names.includes(s.name));
  if (timed.length === 0) return null;
  return `note: ${timed.map((s) => s.name).join(", ")} ran for ${durationMs / 1000} s and the baseline's for ${baseline.durationMs / 1000} s: their ratios are not comparable`;
}

/** Compares ratios; a drop beyond `maxRegression` (0.1 = 10%) is a regression. */
export function compare(
  baseline: Baseline | null,
  current: Record<string, MetricResult>,
  maxRegression: number,
): GateRow[] {
  return Object.entries(current).map(([name, m]) => {
    const base = baseline?.metrics[name];
    // A ratio to another limit is not comparable: treat it as a new item.
    if (!base || base.reference !== m.reference) {
      return {
        name,
        reference: m.reference,
        baseline: null,
        current: m.ratio,
        change: null,
        status: "new",
      };
    }
    const change = m.ratio / base.ratio - 1;
    return {
      name,
      reference: m.reference,
      baseline: base.ratio,
      current: m.ratio,
      change,
      status: change < -maxRegression ? "regression" : "ok",
    };
  });
}

export function readBaseline(path: string): Baseline | null {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return null;
  }
  const parsed = JSON.parse(text) as Baseline;
  if (parsed.version !== 1 || typeof parsed.metrics !== "object") {
    throw new Error(`${path}: not a bench baseline (version 1)`);
  }
  return parsed;
}

export function writeBaseline(
  path: string,
  previous: Baseline | null,
  metrics: Record<string, MetricResult>,
  durationMs: number,
  load1: number,
): Baseline {
  const baseline: Baseline = {
    version: 1,
    recordedAt: new Date().toISOString(),
    machine: {
      platform: process.platform,
      arch: process.arch,
      cpus: navigator.hardwareConcurrency,
      bun: Bun.version,
      load1,
    },
    durationMs,
    // A partial run (--only) keeps the other items' entries.
    metrics: { ...(previous?.metrics ?? {}), ...metrics },
  };
  writeFileSync(path, `${JSON.stringify(baseline, null, 2)}\n`);
  return baseline;
}

/** Parses "10%", "10" (percent) or "0.1" (a fraction). */
export function parseRegression(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(text.trim());
  if (!m) throw new RangeError(`invalid --max-regression "${text}" (use e.g. 10%)`);
  const n = Number(m[1]);
  return m[2] === "%" || n >= 1 ? n / 100 : n;
}
