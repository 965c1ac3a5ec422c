/**
 * `datacore bench`: load generators against any Kafka-compatible cluster (or a broker
 * started for the run with `--embedded`), machine calibration, and the CI performance
 * gate. Progress lines go to stderr; the summary (text or `--format json`) to stdout.
 */
import { loadavg } from "node:os";
import { Command, Option } from "@commander-js/extra-typings";
import { calibrate, calibrationLines } from "../bench/calibrate.ts";
import {
  compare,
  durationNote,
  type GateRow,
  parseRegression,
  readBaseline,
  runSuite,
  SUITE,
  writeBaseline,
} from "../bench/gate.ts";
import { summaryLines } from "../bench/report.ts";
import { runBench } from "../bench/run.ts";
import { DEFAULT_OPTIONS, type WorkloadName } from "../bench/workload.ts";
import type { CompressionName } from "../client/producer/compression.ts";
import { CliExit, EXIT_FAILURE } from "./exit.ts";
import { brokerList, brokersOption, toCliExit } from "./kafka-command.ts";
import {
  formatOption,
  parseDurationMs,
  parseIntFlag,
  usageError,
  writeJson,
  writeLine,
  writeTable,
} from "./output.ts";

const stderrLine = (line: string) => {
  process.stderr.write(`${line}\n`);
};

/** Parses "1048576", "64KiB", "1MiB", "1MB" into bytes. */
export function parseBytes(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(b|kb|kib|k|mb|mib|m|gb|gib|g)?$/i.exec(text.trim());
  if (!m) throw usageError(`${flag} must be a size like 16384, 64KiB or 1MiB, got "${text}"`);
  const unit = (m[2] ?? "b").toLowerCase();
  const factor: Record<string, number> = {
    b: 1,
    kb: 1e3,
    k: 1024,
    kib: 1024,
    mb: 1e6,
    m: 1024 * 1024,
    mib: 1024 * 1024,
    gb: 1e9,
    g: 1024 ** 3,
    gib: 1024 ** 3,
  };
  return Math.round(Number(m[1]) * (factor[unit] ?? 1));
}

function acksOf(text: string): 0 | 1 | -1 {
  return text === "all" || text === "-1" ? -1 : text === "1" ? 1 : 0;
}

function workloadCommand(name: WorkloadName, description: string) {
  const d = DEFAULT_OPTIONS;
  return new Command(name)
    .description(description)
    .addOption(brokersOption())
    .option("--embedded", "start a broker child process on a temp data dir for this run")
    .addOption(
      new Option("--storage-engine <engine>", "engine of the --embedded broker")
        .choices(["file", "memory"] as const)
        .default("file" as const),
    )
    .option("--topic <name>", "topic (created if missing)", d.topic)
    .option("--partitions <n>", "partitions when creating the topic", String(d.partitions))
    .option("--records <n>", "stop after this many records (0: no limit)", "0")
    .option("--duration <time>", "stop after this long (e.g. 10s; 0: no limit)")
    .option("--record-size <bytes>", "value size", String(d.recordSize))
    .option("--key-size <bytes>", "key size (0: no key, sticky partitioning)", String(d.keySize))
    .option(
      "--clients <n>",
      "client instances, each with its own connections (default 1; single-record: 4)",
    )
    .addOption(
      new Option("--acks <acks>", "acks").choices(["all", "-1", "1", "0"] as const).default("all"),
    )
    .addOption(
      new Option("--compression <codec>", "compression codec")
        .choices(["none", "gzip", "snappy", "lz4", "zstd"] as const)
        .default("none" as const),
    )
    .option("--linger-ms <ms>", "producer linger (default 5; single-record: 0)")
    .option("--batch-bytes <size>", "producer batch size", "1MiB")
    .option("--throughput <rec/s>", "records per second cap across clients (0: unlimited)", "0")
    .option(
      "--concurrency <n>",
      "single-record: producers each awaiting its own ack",
      String(d.concurrency),
    )
    .option(
      "--producers <n>",
      "single-record: Producer instances the concurrent senders share (at least --clients)",
      String(d.producers),
    )
    .option(
      "--no-decode",
      "consume: count records from batch headers (a follower's fetch) instead of decoding them",
    )
    .option("--calibrate", "measure raw disk and loopback limits first and report ratios to them")
    .option("--progress-interval <time>", "progress line interval on stderr (0: none)", "1s")
    .addOption(formatOption())
    .action(async (opts) => {
      const records = parseIntFlag("--records", opts.records, 0);
      const durationMs =
        opts.duration !== undefined ? parseDurationMs(opts.duration) : records > 0 ? 0 : 10_000;
      if (records === 0 && durationMs === 0) throw usageError("need --records or --duration");
      const acks = acksOf(opts.acks);
      const single = name === "single-record";
      try {
        const report = await runBench({
          workload: name,
          embedded: opts.embedded ? { storageEngine: opts.storageEngine } : undefined,
          calibrate: opts.calibrate === true,
          workloadOptions: {
            ...(opts.embedded ? {} : { brokers: brokerList(opts) }),
            topic: opts.topic,
            partitions: parseIntFlag("--partitions", opts.partitions, 1),
            records,
            durationMs,
            recordSize: parseIntFlag("--record-size", opts.recordSize, 0),
            keySize: parseIntFlag("--key-size", opts.keySize, 0),
            clients: parseIntFlag("--clients", opts.clients ?? (single ? "4" : "1"), 1),
            acks,
            compression: opts.compression as CompressionName,
            lingerMs: parseIntFlag("--linger-ms", opts.lingerMs ?? (single ? "0" : "5"), 0),
            batchBytes: parseBytes("--batch-bytes", opts.batchBytes),
            throughput: parseIntFlag("--throughput", opts.throughput, 0),
            concurrency: parseIntFlag("--concurrency", opts.concurrency, 1),
            producers: parseIntFlag("--producers", opts.producers, 1),
            decode: opts.decode,
            progressMs: parseDurationMs(opts.progressInterval),
            log: stderrLine,
          },
        });
        if (opts.format === "json") writeJson(report);
        else for (const line of summaryLines(report)) writeLine(line);
      } catch (err) {
        if (err instanceof RangeError) throw usageError(err.message);
        throw toCliExit(err);
      }
    });
}

function calibrateCommand() {
  return new Command("calibrate")
    .description("measure raw loopback TCP and sequential write + fdatasync bandwidth")
    .option("--dir <dir>", "directory on the disk to measure (the data dir's disk)", ".")
    .option("--quick", "64 MiB per measurement instead of 512 MiB")
    .option(
      "--seconds <time>",
      "also write + fdatasync 1 MiB chunks for this long, to see a VM disk's burst and sustained rates (default 10s, with --quick 0: skip)",
    )
    .addOption(formatOption())
    .action(async (opts) => {
      const seconds =
        opts.seconds !== undefined ? parseDurationMs(opts.seconds) / 1000 : opts.quick ? 0 : 10;
      const result = await calibrate(opts.dir, opts.quick === true, seconds);
      if (opts.format === "json") writeJson(result);
      else for (const line of calibrationLines(result)) writeLine(line);
    });
}

function gateCommand() {
  return new Command("gate")
    .description("run the fixed suite and compare calibrated ratios to a baseline")
    .option("--baseline <file>", "baseline file", "bench/baseline.json")
    .option("--max-regression <pct>", "fail when a ratio drops more than this", "10%")
    .option("--update-baseline", "write this run's ratios as the new baseline")
    .option("--report-only", "print the comparison but never fail (smoke runs on noisy machines)")
    .option("--duration <time>", "duration of each timed item", "5s")
    .option("--repeat <n>", "runs per item; the best counts", "2")
    .option("--only <names>", `comma-separated items (${SUITE.map((s) => s.name).join(", ")})`)
    .addOption(formatOption())
    .action(async (opts) => {
      let maxRegression: number;
      try {
        maxRegression = parseRegression(opts.maxRegression);
      } catch (err) {
        throw usageError((err as Error).message);
      }
      const only = opts.only ? opts.only.split(",").map((s) => s.trim()) : null;
      const unknown = only?.filter((n) => !SUITE.some((s) => s.name === n)) ?? [];
      if (unknown.length > 0) throw usageError(`unknown suite items: ${unknown.join(", ")}`);
      const durationMs = parseDurationMs(opts.duration);
      const baseline = readBaseline(opts.baseline);
      const { metrics, calibration } = await runSuite({
        durationMs,
        repeat: parseIntFlag("--repeat", opts.repeat, 1),
        only,
        log: stderrLine,
      });
      const rows = compare(baseline, metrics, maxRegression);
      const regressions = rows.filter((r) => r.status === "regression");
      const note = durationNote(baseline, durationMs, Object.keys(metrics));
      if (note) stderrLine(note);
      if (opts.format === "json") {
        writeJson({ maxRegression, calibration, metrics, rows, passed: regressions.length === 0 });
      } else {
        printRows(rows, maxRegression);
      }
      if (opts.updateBaseline) {
        writeBaseline(opts.baseline, baseline, metrics, durationMs, loadAverage());
        stderrLine(`baseline written to ${opts.baseline}`);
        return;
      }
      if (regressions.length > 0 && !opts.reportOnly) {
        throw new CliExit(
          EXIT_FAILURE,
          `performance regression beyond ${(maxRegression * 100).toFixed(0)}%: ${regressions.map((r) => r.name).join(", ")}`,
        );
      }
    });
}

function printRows(rows: readonly GateRow[], maxRegression: number): void {
  writeTable(
    ["metric", "reference", "baseline", "current", "change", "status"],
    rows.map((r) => [
      r.name,
      r.reference,
      r.baseline === null ? "-" : r.baseline.toFixed(4),
      r.current.toFixed(4),
      r.change === null ? "-" : `${r.change >= 0 ? "+" : ""}${(r.change * 100).toFixed(1)}%`,
      r.status.toUpperCase(),
    ]),
  );
  writeLine(`threshold: a ratio may drop at most ${(maxRegression * 100).toFixed(0)}%`);
}

function loadAverage(): number {
  return Number((loadavg()[0] ?? -1).toFixed(2));
}

export function benchCommand(): Command {
  const bench = new Command("bench").description(
    "load generators, machine calibration and the performance gate",
  );
  bench.addCommand(
    workloadCommand("produce", "batched producers; records count when acknowledged"),
  );
  bench.addCommand(workloadCommand("consume", "consumers reading a topic from the beginning"));
  bench.addCommand(
    workloadCommand("e2e", "producers and consumers at once; latency from send to receipt"),
  );
  bench.addCommand(
    workloadCommand(
      "single-record",
      "many producers each awaiting its own acknowledgement (acks=all)",
    ),
  );
  bench.addCommand(calibrateCommand());
  bench.addCommand(gateCommand());
  return bench;
}
