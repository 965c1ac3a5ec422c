/**
 * A finished run as people and machines read it: the text summary (records, rec/s, MB/s,
 * latency percentiles, broker memory, ratios to the calibrated limits) or one JSON object.
 */
import { type Calibration, sustainedMbPerSec, type Throughput } from "./calibrate.ts";
import { fmtInt } from "./meter.ts";
import type { WorkloadResult } from "./workload.ts";

export interface BrokerMemory {
  /** Resident set size of the broker process at start, at its peak and at the end. */
  startBytes: number | null;
  maxBytes: number | null;
  endBytes: number | null;
}

export interface Ratios {
  /** Payload MB/s ÷ raw sequential write + fdatasync per MiB on the data dir's disk (quick: 64 MiB). */
  vsDiskFsync: number;
  /** Payload MB/s ÷ the same raw writes kept up for as long as the run (measured just before it). */
  vsDiskFsyncTimed?: number;
  /** Payload MB/s ÷ raw write bandwidth without sync (the page cache). */
  vsDiskUnsynced: number;
  /** Payload MB/s ÷ raw loopback TCP bandwidth. */
  vsTcpLoopback: number;
  /** Records/s ÷ small fdatasyncs/s: records acknowledged per raw sync the disk can do. */
  recordsPerRawSync: number;
}

export interface CpuUse {
  /** CPU seconds of the load generator (this process) from the measured phase on. */
  clientSeconds: number;
  /** CPU seconds of the embedded broker over the same span, null for external brokers. */
  brokerSeconds: number | null;
}

export interface BenchReport extends WorkloadResult {
  brokerMemory?: BrokerMemory;
  cpu?: CpuUse;
  calibration?: Calibration;
  ratios?: Ratios;
}

export function ratiosOf(result: WorkloadResult, c: Calibration): Ratios {
  return {
    vsDiskFsync: result.mbPerSec / c.disk_fsync_per_mib.mbPerSec,
    ...(c.disk_fsync_timed
      ? { vsDiskFsyncTimed: result.mbPerSec / c.disk_fsync_timed.mbPerSec }
      : {}),
    vsDiskUnsynced: result.mbPerSec / c.disk_unsynced.mbPerSec,
    vsTcpLoopback: result.mbPerSec / c.tcp_loopback.mbPerSec,
    recordsPerRawSync: result.recordsPerSec / c.disk_small_syncs.syncsPerSec,
  };
}

const mib = (b: number | null) => (b === null ? "-" : `${(b / 1024 / 1024).toFixed(0)} MiB`);

export function summaryLines(r: BenchReport): string[] {
  const l = r.latency;
  const lines = [
    `workload     ${r.workload} (${Object.entries(r.config)
      .map(([k, v]) => `${k}=${v}`)
      .join(" ")})`,
    `records      ${fmtInt(r.records)} in ${r.seconds.toFixed(2)} s`,
    `throughput   ${fmtInt(r.recordsPerSec)} rec/s  ${r.mbPerSec.toFixed(1)} MB/s`,
    `latency ms   avg ${l.avgMs.toFixed(2)}  p50 ${l.p50Ms.toFixed(2)}  p95 ${l.p95Ms.toFixed(2)}  p99 ${l.p99Ms.toFixed(2)}  p99.9 ${l.p999Ms.toFixed(2)}  max ${l.maxMs.toFixed(2)}  (${fmtInt(l.samples)} samples)`,
  ];
  if (r.brokerMemory) {
    const m = r.brokerMemory;
    lines.push(
      `broker rss   start ${mib(m.startBytes)}  max ${mib(m.maxBytes)}  end ${mib(m.endBytes)}`,
    );
  }
  if (r.cpu && r.records > 0) {
    const perRecordUs = (s: number) => ((s / r.records) * 1e6).toFixed(2);
    lines.push(
      `cpu          client ${r.cpu.clientSeconds.toFixed(2)} s (${perRecordUs(r.cpu.clientSeconds)} µs/record)` +
        (r.cpu.brokerSeconds === null
          ? ""
          : `  broker ${r.cpu.brokerSeconds.toFixed(2)} s (${perRecordUs(r.cpu.brokerSeconds)} µs/record)`),
    );
  }
  if (r.ratios && r.calibration) {
    const c = r.calibration;
    const x = r.ratios;
    lines.push(
      `calibration  disk fsync ${c.disk_fsync_per_mib.mbPerSec.toFixed(0)} MB/s (64 MiB)  disk unsynced ${c.disk_unsynced.mbPerSec.toFixed(0)} MB/s  tcp loopback ${c.tcp_loopback.mbPerSec.toFixed(0)} MB/s  small syncs ${fmtInt(c.disk_small_syncs.syncsPerSec)}/s`,
      ...(c.disk_fsync_timed ? [timedCalibrationLine(c.disk_fsync_timed)] : []),
      `ratios       ${x.vsDiskFsyncTimed === undefined ? "" : `${pct(x.vsDiskFsyncTimed)} of disk fsync kept up as long  `}${pct(x.vsDiskFsync)} of disk fsync (64 MiB)  ${pct(x.vsDiskUnsynced)} of disk unsynced  ${pct(x.vsTcpLoopback)} of tcp loopback  ${x.recordsPerRawSync.toFixed(1)} records per raw sync`,
    );
  }
  return lines;
}

function timedCalibrationLine(t: Throughput): string {
  const sustained = sustainedMbPerSec(t);
  return (
    `             disk fsync over ${t.seconds.toFixed(1)} s ${t.mbPerSec.toFixed(0)} MB/s` +
    ` (first second ${t.perSecond?.[0]?.toFixed(0) ?? "-"} MB/s, then ${sustained === null ? "-" : sustained.toFixed(0)} MB/s)`
  );
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}
