/**
 * Storage benchmark: file-engine append and read throughput against the raw disk,
 * measured in the same run on the same filesystem.
 *
 *   ./node_modules/.bin/bun bench/storage.ts [--dir /path] [--quick]
 *
 * Append: 16 KiB and 1 MiB batches, acks=1 ("write": no fsync) and acks=all ("sync":
 * fdatasync before the ack), from 1, 8 and 64 concurrent appenders (group commit).
 * Reference: raw sequential pwrite of the same bytes in the same chunk size (synchronous
 * for chunks ≤ 256 KiB, as the engine does), with an fdatasync after each chunk for the
 * sync cases and one at the end otherwise. Read: sequential fetches of 1 MiB from
 * the page cache, against raw preads of the same file.
 */
import { mkdtempSync, rmSync, writeSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildRecordBatch } from "../protocol/records/batch.ts";
import { FileEngine } from "../storage/file/file-engine.ts";
import { KAFKA_LOG_DEFAULTS } from "../storage/log-config.ts";
import { toOffset } from "../storage/offset.ts";
import { nodeFileSystem, SYNC_WRITE_MAX_BYTES } from "../storage/runtime/node-fs.ts";
import { systemClock } from "../storage/runtime/system.ts";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
/** Only the read comparison (after writing the 1 MiB acks=1 log it reads). */
const readOnly = args.includes("--read-only");
const dirArg = args[args.indexOf("--dir") + 1];
const root = args.includes("--dir") && dirArg ? dirArg : tmpdir();
const MiB = 1024 * 1024;

function batchOf(size: number): Uint8Array {
  // One record whose value fills the batch: header 61 + record overhead ~ 12 bytes.
  const value = new Uint8Array(size - 61 - 12);
  for (let i = 0; i < value.length; i++) value[i] = (i * 31) & 0xff;
  const b = buildRecordBatch({ records: [{ key: null, value, timestamp: Date.now() }] });
  return b;
}

interface Figures {
  seconds: number;
  bytes: number;
  batches: number;
}

const mbps = (f: Figures) => f.bytes / MiB / f.seconds;
const bps = (f: Figures) => f.batches / f.seconds;

async function rawWrite(
  dir: string,
  batch: Uint8Array,
  count: number,
  sync: boolean,
  buffers: number,
): Promise<Figures> {
  // As many distinct source buffers as the engine run has appenders: 64 appenders copy
  // from 64 MiB of buffers, which no CPU cache holds, and the reference should too.
  const pool = Array.from({ length: buffers }, () => batch.slice());
  const path = join(dir, `raw-${batch.length}-${sync}.bin`);
  const fh = await open(path, "w");
  const start = performance.now();
  let pos = 0;
  // The fastest raw method for the size, the same rule the engine's FileSystem uses.
  const small = batch.length <= SYNC_WRITE_MAX_BYTES;
  for (let i = 0; i < count; i++) {
    const source = pool[i % buffers]!;
    if (small) writeSync(fh.fd, source, 0, source.length, pos);
    else await fh.write(source, 0, source.length, pos);
    pos += batch.length;
    if (sync) await fh.datasync();
  }
  if (!sync) await fh.datasync();
  const seconds = (performance.now() - start) / 1000;
  await fh.close();
  rmSync(path);
  return { seconds, bytes: pos, batches: count };
}

async function engineAppend(
  dir: string,
  batch: Uint8Array,
  count: number,
  sync: boolean,
  appenders: number,
): Promise<{ figures: Figures; engine: FileEngine }> {
  const engine = await FileEngine.open({
    dataDir: dir,
    fs: nodeFileSystem,
    clock: systemClock,
    clusterId: "bench",
    nodeId: 1,
    maintenanceIntervalMs: 0,
  });
  const log = await engine.openLog({
    topic: `bench-${batch.length}-${sync}-${appenders}`,
    partition: 0,
    topicId: "AAAAAAAAAAAAAAAAAAAAAQ",
    config: { ...KAFKA_LOG_DEFAULTS },
  });
  const perAppender = Math.ceil(count / appenders);
  const start = performance.now();
  await Promise.all(
    Array.from({ length: appenders }, async () => {
      const own = batch.slice();
      for (let i = 0; i < perAppender; i++) {
        await log.append(own, { assignOffsets: true, durability: sync ? "sync" : "write" });
      }
    }),
  );
  // acks=1 numbers include getting the bytes to disk once at the end, like the reference.
  if (!sync) await log.flush();
  const seconds = (performance.now() - start) / 1000;
  return {
    figures: {
      seconds,
      bytes: perAppender * appenders * batch.length,
      batches: perAppender * appenders,
    },
    engine,
  };
}

async function readBack(engine: FileEngine, topic: string, fetchBytes: number): Promise<Figures> {
  const log = await engine.openLog({
    topic,
    partition: 0,
    topicId: "AAAAAAAAAAAAAAAAAAAAAQ",
    config: { ...KAFKA_LOG_DEFAULTS },
  });
  let offset = 0;
  let bytes = 0;
  let batches = 0;
  const start = performance.now();
  while (offset < log.logEndOffset()) {
    const r = await log.read(toOffset(offset), fetchBytes);
    bytes += r.records.length;
    batches += r.batchCount;
    offset += r.batchCount; // one record per batch
  }
  return { seconds: (performance.now() - start) / 1000, bytes, batches };
}

async function rawRead(path: string, chunk: number): Promise<Figures> {
  const fh = await open(path, "r");
  const size = (await fh.stat()).size;
  const start = performance.now();
  let pos = 0;
  let reads = 0;
  while (pos < size) {
    const buf = new Uint8Array(Math.min(chunk, size - pos));
    const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
    pos += bytesRead;
    reads++;
  }
  const seconds = (performance.now() - start) / 1000;
  await fh.close();
  return { seconds, bytes: size, batches: reads };
}

const rows: string[] = [];
function row(cells: Array<string | number>): void {
  const line = `| ${cells.join(" | ")} |`;
  rows.push(line);
  console.log(line);
}

const ROUNDS = quick ? 1 : 3;

function median(runs: Figures[]): Figures {
  return [...runs].sort((a, b) => mbps(a) - mbps(b))[Math.floor(runs.length / 2)]!;
}

function best(a: Figures | null, b: Figures): Figures {
  return a === null || mbps(b) > mbps(a) ? b : a;
}

const dir = mkdtempSync(join(root, "datacore-bench-storage-"));
try {
  console.log(`bench/storage.ts on ${dir} (${quick ? "quick" : "full"}, best of ${ROUNDS})`);
  row(["batch", "acks", "appenders", "engine MB/s", "engine batches/s", "raw MB/s", "ratio"]);
  row(["---", "---", "---", "---", "---", "---", "---"]);
  let readTopic = "";
  let readEngine: FileEngine | null = null;
  for (const size of readOnly ? [MiB] : [16 * 1024, MiB]) {
    const batch = batchOf(size);
    for (const sync of readOnly ? [false] : [false, true]) {
      const totalMiB = quick ? 16 : sync ? (size === MiB ? 128 : 24) : 256;
      const count = Math.max(1, Math.floor((totalMiB * MiB) / size));
      for (const appenders of readOnly ? [1] : [1, 8, 64]) {
        // Raw and engine alternate so both see the same disk weather; best round counts.
        let raw: Figures | null = null;
        let eng: Figures | null = null;
        for (let round = 0; round < ROUNDS; round++) {
          raw = best(raw, await rawWrite(dir, batch, count, sync, appenders));
          const { figures, engine } = await engineAppend(dir, batch, count, sync, appenders);
          eng = best(eng, figures);
          const topic = `bench-${batch.length}-${sync}-${appenders}`;
          const keep = size === MiB && !sync && appenders === 1 && round === ROUNDS - 1;
          if (keep) {
            readTopic = topic;
            readEngine = engine;
          } else {
            await engine.close();
            rmSync(join(dir, `${topic}-0`), { recursive: true, force: true });
          }
        }
        row([
          size === MiB ? "1 MiB" : "16 KiB",
          sync ? "all (fdatasync)" : "1 (write)",
          appenders,
          mbps(eng!).toFixed(0),
          bps(eng!).toFixed(0),
          mbps(raw!).toFixed(0),
          `${((mbps(eng!) / mbps(raw!)) * 100).toFixed(0)}%`,
        ]);
      }
    }
  }
  if (readEngine !== null) {
    const segment = join(dir, `${readTopic}-0`, "00000000000000000000.log");
    // Page-cache reads are short and noisy on a shared machine: median of 9 interleaved.
    const raws: Figures[] = [];
    const engs: Figures[] = [];
    for (let round = 0; round < 9; round++) {
      raws.push(await rawRead(segment, MiB + 4096));
      engs.push(await readBack(readEngine, readTopic, MiB + 4096));
    }
    const raw = median(raws);
    const engineRead = median(engs);
    console.log("");
    row(["read", "fetch size", "", "engine MB/s", "engine batches/s", "raw MB/s", "ratio"]);
    row(["---", "---", "---", "---", "---", "---", "---"]);
    row([
      "page cache",
      "1 MiB",
      "",
      mbps(engineRead).toFixed(0),
      bps(engineRead).toFixed(0),
      mbps(raw).toFixed(0),
      `${((mbps(engineRead) / mbps(raw)) * 100).toFixed(0)}%`,
    ]);
    await readEngine.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
