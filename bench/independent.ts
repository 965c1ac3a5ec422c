/**
 * The broker measured by a load generator that is not ours: kcat (librdkafka) produces
 * N 100-byte messages from a file (-P -l) with acks=all and acks=1, then consumes them
 * back, against an embedded datacore broker (file engine); the same broker, in the same
 * run, is then driven by `bench produce`/`consume` with our client (one partition like
 * kcat, then four), and the machine's limits are calibrated on the broker's data dir.
 * Times include kcat's start-up and its final flush, so short runs understate it.
 *
 *   ./node_modules/.bin/bun bench/independent.ts [messages=3000000] [bytes=100]
 */
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { calibrate, calibrationLines } from "./calibrate.ts";
import { startEmbeddedBroker } from "./embedded.ts";
import { runWorkload } from "./run.ts";
import { DEFAULT_OPTIONS, payload } from "./workload.ts";

const N = Number(process.argv[2] ?? 3_000_000);
const SIZE = Number(process.argv[3] ?? 100);

async function kcat(args: string[]): Promise<number> {
  const start = performance.now();
  const proc = Bun.spawn(["kcat", ...args], { stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  const [err, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`kcat ${args.join(" ")}: ${err}`);
  return performance.now() - start;
}

const broker = await startEmbeddedBroker({ storageEngine: "file" });
const file = join(broker.dataDir, "..", `kcat-input-${process.pid}.txt`);
try {
  const cal = await calibrate(broker.dataDir, true);
  for (const line of calibrationLines(cal)) console.log(line);
  // One message per line: SIZE letters.
  const line = new Uint8Array(SIZE + 1);
  line.set(payload(SIZE));
  line[SIZE] = 10;
  const all = new Uint8Array(line.length * N);
  for (let i = 0; i < N; i++) all.set(line, i * line.length);
  writeFileSync(file, all);
  const rows: string[] = [];
  const row = (who: string, what: string, ms: number, cpu: number | null) => {
    const rate = N / (ms / 1000);
    rows.push(
      `| ${who} | ${what} | ${Math.round(rate).toLocaleString("en-US")} | ${((rate * SIZE) / 1e6).toFixed(1)} | ${((rate * SIZE) / 1e6 / cal.disk_fsync_per_mib.mbPerSec).toFixed(3)} | ${cpu === null ? "-" : ((cpu / N) * 1e6).toFixed(2)} |`,
    );
  };
  const common = ["-b", broker.bootstrap, "-X", "linger.ms=5", "-X", "batch.size=1000000"];
  for (const [acks, topic] of [
    ["all", "kcat-acks-all"],
    ["1", "kcat-acks-1"],
  ] as const) {
    const cpu0 = broker.cpuSeconds();
    const ms = await kcat([
      ...common,
      "-P",
      "-t",
      topic,
      "-p",
      "0",
      "-l",
      file,
      "-X",
      `acks=${acks}`,
    ]);
    const cpu1 = broker.cpuSeconds();
    row("kcat", `produce acks=${acks}`, ms, cpu0 === null || cpu1 === null ? null : cpu1 - cpu0);
  }
  {
    const cpu0 = broker.cpuSeconds();
    const ms = await kcat([
      "-b",
      broker.bootstrap,
      "-C",
      "-t",
      "kcat-acks-all",
      "-p",
      "0",
      "-o",
      "beginning",
      "-c",
      String(N),
      "-q",
      "-X",
      "fetch.message.max.bytes=8388608",
    ]);
    const cpu1 = broker.cpuSeconds();
    row("kcat", "consume", ms, cpu0 === null || cpu1 === null ? null : cpu1 - cpu0);
  }
  for (const [name, acks, partitions] of [
    ["produce", -1, 1],
    ["produce", 1, 1],
    ["consume", -1, 1],
    ["produce", -1, 4],
  ] as const) {
    const cpu0 = broker.cpuSeconds();
    const r = await runWorkload(name, {
      ...DEFAULT_OPTIONS,
      brokers: broker.bootstrap,
      topic: `ours-${acks === -1 ? "all" : "1"}-${partitions}`,
      partitions,
      acks,
      records: N,
      durationMs: 0,
      progressMs: 0,
      log: () => {},
    });
    const cpu1 = broker.cpuSeconds();
    row(
      "datacore client",
      (name === "consume" ? "consume" : `produce acks=${acks === -1 ? "all" : "1"}`) +
        (partitions > 1 ? ` (${partitions} partitions)` : ""),
      (r.records / r.recordsPerSec) * 1000 * (N / r.records),
      cpu0 === null || cpu1 === null ? null : cpu1 - cpu0,
    );
  }
  console.log(
    `\n${N.toLocaleString("en-US")} messages of ${SIZE} bytes, one partition, file engine\n`,
  );
  console.log(
    "| load generator | workload | msg/s | MB/s | × raw fsync'd disk | broker CPU µs/msg |\n| --- | --- | --- | --- | --- | --- |",
  );
  for (const r of rows) console.log(r);
  console.log(`\nbroker rss at end: ${((broker.rssBytes() ?? 0) / 1024 / 1024).toFixed(0)} MiB`);
} finally {
  rmSync(file, { force: true });
  await broker.stop();
}
