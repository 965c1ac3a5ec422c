/**
 * One bench run: optionally start an embedded broker (and sample its memory), optionally
 * calibrate on the same disk and loopback in the same run, run the workload, and return
 * the report. Shared by `datacore bench <workload>` and the gate.
 */
import { tmpdir } from "node:os";
import { type Calibration, calibrate } from "./calibrate.ts";
import { runConsume } from "./consume.ts";
import { runE2e } from "./e2e.ts";
import { type EmbeddedBroker, startEmbeddedBroker } from "./embedded.ts";
import { runProduce } from "./produce.ts";
import { type BenchReport, type BrokerMemory, ratiosOf } from "./report.ts";
import { runSingleRecord } from "./single-record.ts";
import type { WorkloadName, WorkloadOptions, WorkloadResult } from "./workload.ts";

export interface RunOptions {
  workload: WorkloadName;
  workloadOptions: Omit<WorkloadOptions, "brokers"> & { brokers?: string };
  /** Start a broker child on a temp dir (ignores `brokers`). */
  embedded?: { storageEngine: "file" | "memory"; env?: Record<string, string> } | undefined;
  /** Measure the machine's limits first (on the embedded data dir, else `calibrateDir`). */
  calibrate?: boolean;
  calibrateDir?: string;
  /** Calibration to reuse instead of measuring (the gate measures once per suite). */
  calibration?: Calibration;
}

/** Workloads whose rate is bounded by fsync'd writes: they get the timed disk calibration. */
const WRITING_WORKLOADS: ReadonlySet<WorkloadName> = new Set(["produce", "single-record", "e2e"]);
const MAX_TIMED_SECONDS = 30;

export function runWorkload(name: WorkloadName, opts: WorkloadOptions): Promise<WorkloadResult> {
  switch (name) {
    case "produce":
      return runProduce(opts);
    case "consume":
      return runConsume(opts);
    case "e2e":
      return runE2e(opts);
    case "single-record":
      return runSingleRecord(opts);
  }
}

export async function runBench(options: RunOptions): Promise<BenchReport> {
  let broker: EmbeddedBroker | null = null;
  if (options.embedded) {
    broker = await startEmbeddedBroker({
      storageEngine: options.embedded.storageEngine,
      ...(options.embedded.env ? { env: options.embedded.env } : {}),
    });
  }
  try {
    let calibration = options.calibration;
    if (!calibration && options.calibrate) {
      // The quick calibration sees only a VM disk's burst; a run that writes for seconds
      // is also compared with raw writes kept up for as long (10 s when it runs by count).
      const writes = WRITING_WORKLOADS.has(options.workload);
      const seconds = writes
        ? Math.min(options.workloadOptions.durationMs / 1000 || 10, MAX_TIMED_SECONDS)
        : 0;
      options.workloadOptions.log(
        `calibrating (raw disk write + fdatasync, loopback TCP${writes ? `; then ${seconds} s of raw 1 MiB write + fdatasync` : ""})`,
      );
      calibration = await calibrate(
        broker?.dataDir ?? options.calibrateDir ?? tmpdir(),
        true,
        seconds,
      );
    }
    const brokers = broker?.bootstrap ?? options.workloadOptions.brokers;
    if (!brokers) throw new RangeError("need --brokers or --embedded");
    const memory = broker ? sampleMemory(broker) : null;
    let brokerCpu0 = broker?.cpuSeconds() ?? null;
    let clientCpu0 = process.cpuUsage();
    const onMeasureStart = () => {
      brokerCpu0 = broker?.cpuSeconds() ?? null;
      clientCpu0 = process.cpuUsage();
    };
    let result: WorkloadResult;
    try {
      const log = options.workloadOptions.log;
      result = await runWorkload(options.workload, {
        ...options.workloadOptions,
        brokers,
        onMeasureStart,
        // Progress lines also show the embedded broker's memory, to see it stay bounded.
        log: broker
          ? (line) =>
              log(line.startsWith("[") ? `${line}  broker rss ${mib(broker.rssBytes())}` : line)
          : log,
      });
    } finally {
      memory?.stop();
    }
    const report: BenchReport = { ...result };
    if (memory) report.brokerMemory = memory.result();
    // CPU per record is steadier than rates on a shared machine: it is what we optimise.
    const clientCpu = process.cpuUsage(clientCpu0);
    const brokerCpu1 = broker?.cpuSeconds() ?? null;
    report.cpu = {
      clientSeconds: (clientCpu.user + clientCpu.system) / 1e6,
      brokerSeconds: brokerCpu0 !== null && brokerCpu1 !== null ? brokerCpu1 - brokerCpu0 : null,
    };
    if (calibration) {
      report.calibration = calibration;
      report.ratios = ratiosOf(result, calibration);
    }
    return report;
  } finally {
    if (broker) {
      const code = await broker.stop();
      if (code !== 0 && code !== 143) {
        options.workloadOptions.log(`embedded broker exited with ${code}:\n${broker.output()}`);
      }
    }
  }
}

function mib(bytes: number | null): string {
  return bytes === null ? "-" : `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
}

/** Samples the broker's RSS every 250 ms while the workload runs. */
function sampleMemory(broker: EmbeddedBroker): { stop(): void; result(): BrokerMemory } {
  const start = broker.rssBytes();
  let max = start;
  let last = start;
  const timer = setInterval(() => {
    last = broker.rssBytes();
    if (last !== null && (max === null || last > max)) max = last;
  }, 250);
  return {
    stop() {
      clearInterval(timer);
      last = broker.rssBytes() ?? last;
      if (last !== null && (max === null || last > max)) max = last;
    },
    result: () => ({ startBytes: start, maxBytes: max, endBytes: last }),
  };
}
