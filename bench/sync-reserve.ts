/**
 * Why the file log writes a zero-filled reserve (storage/file/file-log.ts), and what it buys.
 *
 *   ./node_modules/.bin/bun bench/sync-reserve.ts [--dir /path] [--rounds 2]
 *
 * Raw: 1,500 × (20 KiB pwrite + fdatasync) that append to a growing file, against the same
 * loop overwriting a region already written with zeros, against a region only `ftruncate`d
 * (sparse: no blocks yet), alternating per round. Engine: awaited `durability: "sync"`
 * appends through FileEngine (16 KiB × 1 appender, 1 KiB × 8 appenders). For a before/after
 * comparison run it in two checkouts (the reserve landed after commit 458f4b0), alternating.
 */
import {
  closeSync,
  fdatasyncSync,
  fsyncSync,
  ftruncateSync,
  mkdtempSync,
  openSync,
  rmSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildRecordBatch } from "../protocol/records/batch.ts";
import { FileEngine } from "../storage/file/file-engine.ts";
import { KAFKA_LOG_DEFAULTS } from "../storage/log-config.ts";
import { nodeFileSystem } from "../storage/runtime/node-fs.ts";
import { systemClock } from "../storage/runtime/system.ts";
import { takeFlag } from "./script-args.ts";

const args = process.argv.slice(2);
const root = takeFlag(args, "--dir") ?? tmpdir();
const rounds = Number(takeFlag(args, "--rounds") ?? 2);

const WRITES = 1500;
const WRITE_BYTES = 20 * 1024;

type Region = "append" | "overwrite zeros" | "sparse (ftruncate)";

function rawLoop(dir: string, region: Region): number[] {
  const path = join(dir, "raw.bin");
  const fd = openSync(path, "w+");
  try {
    if (region === "overwrite zeros") {
      const zeros = new Uint8Array(1 << 20);
      for (let n = 0; n < WRITES * WRITE_BYTES; n += zeros.length) writeSync(fd, zeros);
      fsyncSync(fd);
    } else if (region === "sparse (ftruncate)") {
      ftruncateSync(fd, WRITES * WRITE_BYTES);
      fsyncSync(fd);
    }
    const data = new Uint8Array(WRITE_BYTES).fill(7);
    const ms: number[] = [];
    for (let i = 0; i < WRITES; i++) {
      const t = performance.now();
      writeSync(fd, data, 0, data.length, i * WRITE_BYTES);
      fdatasyncSync(fd);
      ms.push(performance.now() - t);
    }
    return ms.sort((a, b) => a - b);
  } finally {
    closeSync(fd);
    rmSync(path);
  }
}

async function engineAppends(
  dir: string,
  batchBytes: number,
  appenders: number,
  count: number,
): Promise<number> {
  const engine = await FileEngine.open({
    dataDir: dir,
    fs: nodeFileSystem,
    clock: systemClock,
    clusterId: "bench",
    nodeId: 1,
    maintenanceIntervalMs: 0,
  });
  try {
    const log = await engine.openLog({
      topic: `reserve-${batchBytes}-${appenders}`,
      partition: 0,
      topicId: "AAAAAAAAAAAAAAAAAAAAAQ",
      config: { ...KAFKA_LOG_DEFAULTS },
    });
    const value = new Uint8Array(batchBytes - 73).fill(5);
    const batch = buildRecordBatch({ records: [{ key: null, value, timestamp: Date.now() }] });
    const perAppender = Math.ceil(count / appenders);
    const start = performance.now();
    await Promise.all(
      Array.from({ length: appenders }, async () => {
        const own = batch.slice();
        for (let i = 0; i < perAppender; i++) {
          await log.append(own, { assignOffsets: true, durability: "sync" });
        }
      }),
    );
    return (perAppender * appenders) / ((performance.now() - start) / 1000);
  } finally {
    await engine.close();
  }
}

const pct = (sorted: number[], p: number) => sorted[Math.floor(sorted.length * p)]!.toFixed(3);
const mean = (xs: number[]) => (xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(3);

const dir = mkdtempSync(join(root, "sync-reserve-"));
try {
  console.log(`${WRITES} × (${WRITE_BYTES / 1024} KiB pwrite + fdatasync), ms per pair:`);
  for (let r = 1; r <= rounds; r++) {
    for (const region of ["append", "overwrite zeros", "sparse (ftruncate)"] as const) {
      const ms = rawLoop(dir, region);
      console.log(
        `  round ${r} ${region.padEnd(18)} p50 ${pct(ms, 0.5)}  p90 ${pct(ms, 0.9)}  mean ${mean(ms)}`,
      );
    }
  }
  console.log("file engine, awaited sync appends (this checkout):");
  for (let r = 1; r <= rounds; r++) {
    for (const [bytes, appenders, count] of [
      [16 * 1024, 1, 2000],
      [1024, 8, 8000],
    ] as const) {
      const rate = await engineAppends(join(dir, `e${r}-${bytes}`), bytes, appenders, count);
      console.log(
        `  round ${r} ${bytes / 1024} KiB × ${appenders} appenders: ${rate.toFixed(0)} appends/s`,
      );
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
