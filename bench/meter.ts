/**
 * Counting what a workload moved: records, payload bytes and a latency histogram (µs),
 * with a ticker that prints one progress line per interval (rate, MB/s, avg and max
 * latency of that interval) and a summary at the end.
 */
import { Histogram } from "./histogram.ts";

export interface LatencySummary {
  avgMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  samples: number;
}

export interface MeterSummary {
  records: number;
  bytes: number;
  seconds: number;
  recordsPerSec: number;
  mbPerSec: number;
  latency: LatencySummary;
}

const HIGHEST_US = 600_000_000; // 10 minutes: anything slower is a hang, clamped

export class Meter {
  records = 0;
  bytes = 0;
  readonly latencyUs = new Histogram(HIGHEST_US, 3);
  /** This interval's latencies (progress lines). */
  private readonly intervalUs = new Histogram(HIGHEST_US, 2);
  private startMs = 0;
  private endMs = 0;
  private lastTickMs = 0;
  private lastTickRecords = 0;
  private lastTickBytes = 0;
  private ticker: ReturnType<typeof setInterval> | null = null;

  start(nowMs = performance.now()): void {
    this.startMs = nowMs;
    this.lastTickMs = nowMs;
  }

  /** Records moved (counted when acknowledged or consumed). */
  add(records: number, bytes: number): void {
    this.records += records;
    this.bytes += bytes;
  }

  latencyMs(ms: number): void {
    const us = ms * 1000;
    this.latencyUs.record(us);
    this.intervalUs.record(us);
  }

  /** Prints a progress line every `intervalMs` through `write` until `stop`. */
  startProgress(intervalMs: number, write: (line: string) => void): void {
    if (intervalMs <= 0) return;
    this.ticker = setInterval(() => write(this.progressLine(performance.now())), intervalMs);
  }

  progressLine(nowMs: number): string {
    const seconds = (nowMs - this.lastTickMs) / 1000;
    const records = this.records - this.lastTickRecords;
    const bytes = this.bytes - this.lastTickBytes;
    const line =
      `[${((nowMs - this.startMs) / 1000).toFixed(1).padStart(6)}s] ` +
      `${fmtInt(records / seconds).padStart(11)} rec/s ` +
      `${(bytes / 1e6 / seconds).toFixed(1).padStart(8)} MB/s  ` +
      `avg ${(this.intervalUs.mean / 1000).toFixed(2)} ms  max ${(this.intervalUs.max / 1000).toFixed(2)} ms`;
    this.lastTickMs = nowMs;
    this.lastTickRecords = this.records;
    this.lastTickBytes = this.bytes;
    this.intervalUs.reset();
    return line;
  }

  stop(nowMs = performance.now()): void {
    this.endMs = nowMs;
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
  }

  summary(): MeterSummary {
    const end = this.endMs > 0 ? this.endMs : performance.now();
    const seconds = Math.max((end - this.startMs) / 1000, 1e-9);
    const h = this.latencyUs;
    const ms = (us: number) => us / 1000;
    return {
      records: this.records,
      bytes: this.bytes,
      seconds,
      recordsPerSec: this.records / seconds,
      mbPerSec: this.bytes / 1e6 / seconds,
      latency: {
        avgMs: ms(h.mean),
        p50Ms: ms(h.percentile(50)),
        p95Ms: ms(h.percentile(95)),
        p99Ms: ms(h.percentile(99)),
        p999Ms: ms(h.percentile(99.9)),
        maxMs: ms(h.max),
        samples: h.count,
      },
    };
  }
}

export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}
