/**
 * File-engine specifics: Kafka's on-disk layout, the clean-shutdown marker, crash
 * recovery of torn and corrupt tails, and partitions going offline on disk faults while
 * the rest keep working.
 */
import { afterEach, describe, expect, test } from "bun:test";
import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import type { PartitionLog } from "../../../storage/engine.ts";
import { isStorageError } from "../../../storage/errors.ts";
import { FileEngine } from "../../../storage/file/file-engine.ts";
import type { FileSystem } from "../../../storage/fs.ts";
import { toOffset } from "../../../storage/offset.ts";
import { openStorageEngine } from "../../../storage/open-engine.ts";
import { nodeFileSystem } from "../../../storage/runtime/node-fs.ts";
import { FaultyFileSystem } from "../../../storage/testing/faulty-fs.ts";
import { ManualClock } from "../../../storage/testing/manual-clock.ts";
import {
  type CapturedLine,
  captureLogger,
  config,
  makeBatch,
  splitBatches,
  TOPIC_ID,
  tempDir,
} from "./helpers.ts";

const o = toOffset;
const sync = { assignOffsets: true, durability: "sync" } as const;
const SEG0 = "00000000000000000000";

const dirs: Array<{ remove(): void }> = [];
const engines: FileEngine[] = [];
afterEach(async () => {
  // Engines a test left open stand for crashed processes: drop their handles.
  for (const e of engines.splice(0)) await e.abandon();
  for (const d of dirs.splice(0)) d.remove();
});

function setup(fs: FileSystem = nodeFileSystem) {
  const dir = tempDir();
  dirs.push(dir);
  const clock = new ManualClock();
  const lines: CapturedLine[] = [];
  const { logger } = captureLogger(lines);
  const open = async () => {
    const engine = await FileEngine.open({
      dataDir: dir.path,
      fs,
      clock,
      logger,
      clusterId: "c1",
      nodeId: 1,
      maintenanceIntervalMs: 0,
    });
    engines.push(engine);
    return engine;
  };
  const openLog = (engine: FileEngine, partition = 0, cfg = config()) =>
    engine.openLog({ topic: "events", partition, topicId: TOPIC_ID, config: cfg });
  return { dir: dir.path, clock, lines, open, openLog };
}

/** Every batch from the log start, following segment boundaries (one read per segment). */
async function readAllBatches(log: PartitionLog) {
  const out: ReturnType<typeof splitBatches> = [];
  let offset: number = log.logStartOffset();
  while (offset < log.logEndOffset()) {
    const r = await log.read(o(offset), 1 << 24);
    if (r.batchCount === 0) break;
    for (const b of splitBatches(r.records)) {
      out.push(b);
      offset = b.last + 1;
    }
  }
  return out;
}

describe("file engine layout", () => {
  test("segments, indexes and checkpoints use Kafka's names and formats", async () => {
    const s = setup();
    const engine = await s.open();
    const log = await s.openLog(engine, 0, config({ segmentBytes: 400, indexIntervalBytes: 0 }));
    for (let i = 0; i < 4; i++)
      await log.append(makeBatch({ count: 2, valueBytes: 50 }), { ...sync, leaderEpoch: 3 });
    log.updateHighWatermark(log.logEndOffset());
    await log.recordAbortedTransaction({
      producerId: 9,
      firstOffset: o(0),
      lastOffset: o(1),
      lastStableOffset: o(0),
    });
    await engine.close();
    const pdir = join(s.dir, "events-0");
    // .txnindex: Kafka's 34-byte AbortedTxn entries in the segment holding the marker.
    const txnIndex = readFileSync(join(pdir, `${SEG0}.txnindex`));
    expect(txnIndex.length).toBe(34);
    expect([txnIndex.readInt16BE(0), Number(txnIndex.readBigInt64BE(2))]).toEqual([0, 9]);
    const names = readdirSync(pdir).sort();
    expect(names).toContain(`${SEG0}.log`);
    expect(names).toContain(`${SEG0}.index`);
    expect(names).toContain(`${SEG0}.timeindex`);
    expect(names.filter((n) => n.endsWith(".log")).length).toBeGreaterThan(1);
    expect(readFileSync(join(pdir, "leader-epoch-checkpoint"), "utf8")).toBe("0\n1\n3 0\n");
    expect(readFileSync(join(pdir, "partition.metadata"), "utf8")).toBe(
      `version: 0\ntopic_id: ${TOPIC_ID}\n`,
    );
    expect(readFileSync(join(s.dir, "replication-offset-checkpoint"), "utf8")).toBe(
      "0\n1\nevents 0 8\n",
    );
    expect(readFileSync(join(s.dir, "meta.properties"), "utf8")).toContain("cluster.id=c1");
    expect(existsSync(join(s.dir, ".kafka_cleanshutdown"))).toBe(true);
    // .index: relative offset int32 + position int32, big-endian, one per batch after the first.
    const index = readFileSync(join(pdir, `${SEG0}.index`));
    expect(index.length % 8).toBe(0);
    expect(index.length).toBeGreaterThan(0);
    expect(index.readInt32BE(0)).toBe(2);
    expect(index.readInt32BE(4)).toBeGreaterThan(0);
    const timeIndex = readFileSync(join(pdir, `${SEG0}.timeindex`));
    expect(timeIndex.length % 12).toBe(0);
  });

  test("the clean-shutdown marker is consumed at open and rewritten only by a clean close", async () => {
    const s = setup();
    const first = await s.open();
    await (await s.openLog(first)).append(makeBatch(), sync);
    await first.close();
    const second = await s.open();
    expect(second.openedClean).toBe(true);
    expect(existsSync(join(s.dir, ".kafka_cleanshutdown"))).toBe(false);
    await s.openLog(second);
    // No close: the next open must treat the shutdown as a crash.
    const third = await s.open();
    expect(third.openedClean).toBe(false);
    expect((await readAllBatches(await s.openLog(third))).length).toBe(1);
  });
});

describe("file engine crash recovery", () => {
  async function crashedWithTail(mutate: (segmentPath: string, sizes: number[]) => void) {
    const s = setup();
    const engine = await s.open();
    const log = await s.openLog(engine);
    const sizes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const b = makeBatch({ count: 3, valueBytes: 40 });
      sizes.push(b.length);
      await log.append(b, sync);
    }
    const segment = join(s.dir, "events-0", `${SEG0}.log`);
    mutate(segment, sizes);
    const reopened = await s.open(); // the first engine never closed: a crash
    return { s, log: await s.openLog(reopened), sizes };
  }

  test("a torn last batch is truncated, logged with counts, and never served", async () => {
    const { s, log } = await crashedWithTail((path, sz) => {
      // Into the last batch: the file itself runs on into the zero-filled reserve.
      truncateSync(path, sum(sz) - 7);
    });
    const batches = await readAllBatches(log);
    expect(batches.map((b) => b.base)).toEqual([0, 3, 6, 9]);
    expect(log.logEndOffset()).toBe(o(12));
    const warn = s.lines.find((l) => l.msg === "truncating torn or corrupt log tail");
    expect(warn?.fields).toMatchObject({ valid_batches: 4, segment: 0 });
    expect((await log.append(makeBatch(), sync)).firstOffset).toBe(o(12));
  });

  test("a scribbled batch fails its CRC and is cut with everything after it", async () => {
    const { log, sizes } = await crashedWithTail((path, sz) => {
      const bytes = readFileSync(path);
      const thirdStart = sz[0]! + sz[1]!;
      bytes[thirdStart + 70] = bytes[thirdStart + 70]! ^ 0xff;
      writeFileSync(path, bytes);
    });
    expect((await readAllBatches(log)).map((b) => b.base)).toEqual([0, 3]);
    expect(log.sizeInBytes()).toBe(sizes[0]! + sizes[1]!);
  });

  test("garbage appended after the last batch (a torn length field) is removed", async () => {
    const { s, log } = await crashedWithTail((path, sz) => {
      const fd = openSync(path, "r+");
      writeSync(fd, new Uint8Array([0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 0, 0, 0, 1, 2]), 0, 14, sum(sz));
      closeSync(fd);
    });
    expect((await readAllBatches(log)).length).toBe(5);
    expect(log.logEndOffset()).toBe(o(15));
    expect(s.lines.some((l) => l.msg === "truncating torn or corrupt log tail")).toBe(true);
  });

  test("small synced appends write a zero reserve ahead; a crash drops it quietly, a close cuts it", async () => {
    const { s, log, sizes } = await crashedWithTail(() => {});
    const path = join(s.dir, "events-0", `${SEG0}.log`);
    // Recovery found the reserve past the last batch: an info line, no torn-tail warning.
    expect(s.lines.some((l) => l.msg === "truncating torn or corrupt log tail")).toBe(false);
    const dropped = s.lines.find((l) => l.msg === "dropping the unused preallocated tail");
    expect(dropped?.fields).toMatchObject({ segment: 0 });
    expect(statSync(path).size).toBe(sum(sizes));
    expect((await readAllBatches(log)).map((b) => b.base)).toEqual([0, 3, 6, 9, 12]);
    // New small synced appends reserve again; readers still end at the last batch.
    const more = makeBatch({ count: 2 });
    await log.append(more, sync);
    expect(statSync(path).size).toBeGreaterThan(sum(sizes) + more.length);
    expect(log.sizeInBytes()).toBe(sum(sizes) + more.length);
    expect((await readAllBatches(log)).length).toBe(6);
    await log.close();
    expect(statSync(path).size).toBe(sum(sizes) + more.length);
  });

  test("a disk too full for the reserve still takes the data; the log stops reserving", async () => {
    const faulty = new FaultyFileSystem(nodeFileSystem);
    const s = setup(faulty);
    const engine = await s.open();
    const log = await s.openLog(engine);
    const path = join(s.dir, "events-0", `${SEG0}.log`);
    const first = makeBatch({ count: 2 });
    // Room for the batch but not for 1 MiB of zeros behind it.
    faulty.arm({ write: { code: "ENOSPC", match: /\.log$/, afterBytes: 4096, once: true } });
    expect((await log.append(first, sync)).firstOffset).toBe(o(0));
    expect(s.lines.some((l) => l.msg.startsWith("disk full: writing without"))).toBe(true);
    const second = makeBatch({ count: 2 });
    await log.append(second, sync);
    expect(log.sizeInBytes()).toBe(first.length + second.length);
    expect((await readAllBatches(log)).length).toBe(2);
    await log.close();
    expect(statSync(path).size).toBe(first.length + second.length);
  });

  test("large or unsynced groups are written without a reserve", async () => {
    const s = setup();
    const engine = await s.open();
    const log = await s.openLog(engine);
    const path = join(s.dir, "events-0", `${SEG0}.log`);
    const big = makeBatch({ count: 1, valueBytes: 200 * 1024 });
    await log.append(big, sync);
    expect(statSync(path).size).toBe(big.length);
    const small = makeBatch({ count: 2 });
    await log.append(small, { assignOffsets: true, durability: "write" });
    expect(statSync(path).size).toBe(big.length + small.length);
  });

  test("a small synced group after a large one is a leftover: no reserve until the next small one", async () => {
    const s = setup();
    const engine = await s.open();
    const log = await s.openLog(engine);
    const path = join(s.dir, "events-0", `${SEG0}.log`);
    const big = makeBatch({ count: 1, valueBytes: 200 * 1024 });
    await log.append(big, sync);
    const leftover = makeBatch({ count: 2 });
    await log.append(leftover, sync);
    expect(statSync(path).size).toBe(big.length + leftover.length);
    const next = makeBatch({ count: 2 });
    await log.append(next, sync);
    const written = big.length + leftover.length + next.length;
    expect(statSync(path).size).toBeGreaterThan(written);
    expect(log.sizeInBytes()).toBe(written);
  });
});

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

describe("file engine disk faults", () => {
  test("ENOSPC takes only that partition offline; acknowledged data survives a restart", async () => {
    const faulty = new FaultyFileSystem(nodeFileSystem);
    const s = setup(faulty);
    const engine = await s.open();
    const p0 = await s.openLog(engine, 0);
    const p1 = await s.openLog(engine, 1);
    const acked = [];
    for (let i = 0; i < 3; i++)
      acked.push((await p0.append(makeBatch({ count: 2 }), sync)).firstOffset);
    faulty.arm({ write: { code: "ENOSPC", match: /events-0\/.*\.log$/, afterBytes: 30 } });
    const failed = await p0.append(makeBatch({ count: 2 }), sync).catch((e: unknown) => e);
    expect(isStorageError(failed, "storage_offline")).toBe(true);
    expect(p0.isOffline()).toBe(true);
    const later = await p0.read(o(0), 1000).catch((e: unknown) => e);
    expect(isStorageError(later, "storage_offline")).toBe(true);
    expect(
      s.lines.some(
        (l) =>
          l.level === "error" &&
          l.msg === "partition offline after I/O error" &&
          l.fields.errno === "ENOSPC",
      ),
    ).toBe(true);
    // The other partition keeps serving.
    expect((await p1.append(makeBatch(), sync)).firstOffset).toBe(o(0));
    expect((await p1.read(o(0), 1000)).batchCount).toBe(1);
    faulty.disarm();
    await engine.close();
    expect(existsSync(join(s.dir, ".kafka_cleanshutdown"))).toBe(false);
    const restarted = await s.open();
    const back = await s.openLog(restarted, 0);
    expect((await readAllBatches(back)).map((b) => b.base)).toEqual(acked);
    expect(back.logEndOffset()).toBe(o(6));
  });

  test("EIO on fdatasync rejects the acks=all append and every later call", async () => {
    const faulty = new FaultyFileSystem(nodeFileSystem);
    const s = setup(faulty);
    const engine = await s.open();
    const log = await s.openLog(engine);
    await log.append(makeBatch(), sync);
    faulty.arm({ sync: { code: "EIO", match: /\.log$/ } });
    const a = log.append(makeBatch(), sync).catch((e: unknown) => e);
    const b = log.append(makeBatch(), sync).catch((e: unknown) => e);
    expect(isStorageError(await a, "storage_offline")).toBe(true);
    expect(isStorageError(await b, "storage_offline")).toBe(true);
    for (const call of [log.flush(), log.truncateTo(o(0)), log.roll(), log.offsetForTimestamp(0)]) {
      expect(isStorageError(await call.catch((e: unknown) => e), "storage_offline")).toBe(true);
    }
    await engine.close();
  });

  test("a torn write during a group commit is recovered to the last acknowledged batch", async () => {
    const faulty = new FaultyFileSystem(nodeFileSystem);
    const s = setup(faulty);
    const engine = await s.open();
    const log = await s.openLog(engine);
    await log.append(makeBatch({ count: 4 }), sync);
    faulty.arm({ write: { code: "EIO", match: /\.log$/, afterBytes: 100 } });
    const group = await Promise.allSettled(
      [1, 2, 3].map(() => log.append(makeBatch({ count: 2, valueBytes: 80 }), sync)),
    );
    expect(group.every((r) => r.status === "rejected")).toBe(true);
    faulty.disarm();
    const restarted = await s.open();
    const back = await s.openLog(restarted);
    expect((await readAllBatches(back)).map((b) => b.base)).toEqual([0]);
    expect(back.logEndOffset()).toBe(o(4));
  });
});

describe("file engine compaction", () => {
  const compacted = config({
    cleanupPolicy: { compact: true, delete: false },
    segmentBytes: 600,
    indexIntervalBytes: 0,
  });

  test("appends and reads go on while a compaction pass rewrites closed segments", async () => {
    const s = setup();
    const engine = await s.open();
    const log = await s.openLog(engine, 0, compacted);
    for (let i = 0; i < 40; i++) {
      await log.append(makeBatch({ keys: [`k${i % 5}`], values: [`v${i}`] }), sync);
    }
    await log.roll(); // every write so far is in a closed, cleanable segment
    log.updateHighWatermark(log.logEndOffset());
    const segmentsBefore = log.segmentCount();
    const pass = log.compact({ force: true });
    const during = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        log.append(makeBatch({ keys: [`new${i}`], values: ["x"] }), sync),
      ),
    );
    const reading = await log.read(o(0), 1 << 20);
    expect(reading.batchCount).toBeGreaterThan(0);
    const result = await pass;
    expect(result?.removedRecords).toBeGreaterThan(20);
    expect(during.map((r) => Number(r.firstOffset))).toEqual(
      Array.from({ length: 20 }, (_, i) => 40 + i),
    );
    expect(log.segmentCount()).toBeGreaterThanOrEqual(segmentsBefore);
    // Offsets kept: the survivors of k0..k4 are their last writes, 35..39, then the new ones.
    const all = (await readAllBatches(log)).map((b) => b.base);
    expect(all.filter((b) => b < 40)).toEqual([35, 36, 37, 38, 39]);
    expect(all.filter((b) => b >= 40).length).toBe(20);
    await engine.close();
    const reopened = await s.open();
    const again = await s.openLog(reopened, 0, compacted);
    expect((await readAllBatches(again)).map((b) => b.base)).toEqual(all);
  });

  test("a crash mid-swap leaves a readable log: stray .cleaned files go, lost indexes are rebuilt", async () => {
    const s = setup();
    const engine = await s.open();
    const log = await s.openLog(engine, 0, compacted);
    for (let i = 0; i < 12; i++)
      await log.append(makeBatch({ keys: [`k${i}`], values: ["v"] }), sync);
    await engine.close();
    const pdir = join(s.dir, "events-0");
    writeFileSync(join(pdir, `${SEG0}.log.cleaned`), new Uint8Array(100));
    const indexes = readdirSync(pdir).filter((n) => n.endsWith(".index"));
    for (const n of indexes) writeFileSync(join(pdir, n), new Uint8Array(0)); // truncated indexes
    const reopened = await s.open();
    const back = await s.openLog(reopened, 0, compacted);
    expect((await readAllBatches(back)).length).toBe(12);
    expect(await back.offsetForTimestamp(0)).toMatchObject({ offset: 0 });
    expect(existsSync(join(pdir, `${SEG0}.log.cleaned`))).toBe(false);
  });
});

describe("engine selection and identity", () => {
  test("openStorageEngine picks the engine; a new data dir gets a generated cluster id, kept across restarts", async () => {
    const dir = tempDir();
    dirs.push(dir);
    let n = 0;
    const random = {
      next: () => 0.5,
      int: () => 0,
      bytes: (len: number) => Uint8Array.from({ length: len }, () => ++n),
    };
    const common = {
      clock: new ManualClock(),
      nodeId: 3,
      clusterId: "",
      random,
      maintenanceIntervalMs: 0,
    };
    const memory = await openStorageEngine({ ...common, kind: "memory", dataDir: dir.path });
    expect(memory.kind).toBe("memory");
    const file = await openStorageEngine({ ...common, kind: "file", dataDir: dir.path });
    expect(file.kind).toBe("file");
    const id = file.metadata.identity().clusterId;
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(readFileSync(join(dir.path, "meta.properties"), "utf8")).toContain(`cluster.id=${id}`);
    await file.close();
    const again = await openStorageEngine({ ...common, kind: "file", dataDir: dir.path });
    expect(again.metadata.identity()).toEqual({ clusterId: id, nodeId: 3 });
    await again.close();
    await memory.close();
  });
});

describe("background maintenance", () => {
  test("the engine's timer (on the injected clock) applies retention without being asked", async () => {
    const dir = tempDir();
    dirs.push(dir);
    const clock = new ManualClock();
    const engine = await FileEngine.open({
      dataDir: dir.path,
      fs: nodeFileSystem,
      clock,
      clusterId: "c",
      nodeId: 1,
      maintenanceIntervalMs: 1000,
    });
    engines.push(engine);
    const log = await engine.openLog({
      topic: "events",
      partition: 0,
      topicId: TOPIC_ID,
      config: config({ segmentBytes: 1, retentionMs: 60_000 }),
    });
    for (let i = 0; i < 3; i++) {
      await log.append(makeBatch({ timestamp: clock.nowMs() }), sync);
    }
    log.updateHighWatermark(log.logEndOffset());
    clock.advance(120_000); // segments are now older than retention.ms; the timer fires
    for (let i = 0; i < 200 && log.logStartOffset() < 2; i++) await Bun.sleep(5);
    expect(log.logStartOffset()).toBe(o(2));
    await engine.close();
  });
});
