/**
 * Durability policy of the file engine: acks=all appends share fdatasyncs (group commit),
 * acks=1 appends never wait for one unless flush.messages / flush.ms say so.
 */
import { afterEach, expect, test } from "bun:test";
import { FileEngine } from "../../../storage/file/file-engine.ts";
import { nodeFileSystem } from "../../../storage/runtime/node-fs.ts";
import { FaultyFileSystem } from "../../../storage/testing/faulty-fs.ts";
import { ManualClock } from "../../../storage/testing/manual-clock.ts";
import { config, makeBatch, TOPIC_ID, tempDir } from "./helpers.ts";

const dirs: Array<{ remove(): void }> = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.remove();
});

async function setup(cfg = config()) {
  const dir = tempDir();
  dirs.push(dir);
  const fs = new FaultyFileSystem(nodeFileSystem);
  const clock = new ManualClock();
  const engine = await FileEngine.open({
    dataDir: dir.path,
    fs,
    clock,
    clusterId: "c",
    nodeId: 1,
    maintenanceIntervalMs: 0,
  });
  const log = await engine.openLog({ topic: "t", partition: 0, topicId: TOPIC_ID, config: cfg });
  fs.fileSyncs = 0;
  fs.writeCalls = 0;
  return { fs, clock, engine, log };
}

test("64 concurrent acks=all appends share a couple of writes and fdatasyncs", async () => {
  const { fs, engine, log } = await setup();
  const results = await Promise.all(
    Array.from({ length: 64 }, () =>
      log.append(makeBatch(), { assignOffsets: true, durability: "sync" }),
    ),
  );
  expect(results.map((r) => Number(r.firstOffset))).toEqual(
    Array.from({ length: 64 }, (_, i) => i),
  );
  expect(fs.fileSyncs).toBeLessThanOrEqual(2);
  expect(fs.writeCalls).toBeLessThanOrEqual(2);
  await engine.close();
});

test("acks=1 appends resolve after the write, without an fdatasync", async () => {
  const { fs, engine, log } = await setup();
  for (let i = 0; i < 10; i++)
    await log.append(makeBatch(), { assignOffsets: true, durability: "write" });
  expect(fs.fileSyncs).toBe(0);
  await log.append(makeBatch(), { assignOffsets: true, durability: "sync" });
  expect(fs.fileSyncs).toBe(1);
  await engine.close();
});

test("flush.messages forces a sync every N messages even for acks=1", async () => {
  const { fs, engine, log } = await setup(config({ flushMessages: 3 }));
  for (let i = 0; i < 7; i++)
    await log.append(makeBatch(), { assignOffsets: true, durability: "write" });
  expect(fs.fileSyncs).toBe(2);
  await engine.close();
});

test("flush.ms syncs an idle log from maintenance, and on the next append once due", async () => {
  const { fs, clock, engine, log } = await setup(config({ flushMs: 1000 }));
  await log.append(makeBatch(), { assignOffsets: true, durability: "write" });
  expect(fs.fileSyncs).toBe(0);
  clock.advance(1500);
  await engine.runMaintenance();
  expect(fs.fileSyncs).toBe(1);
  clock.advance(1500);
  await log.append(makeBatch(), { assignOffsets: true, durability: "write" });
  expect(fs.fileSyncs).toBe(2);
  await engine.close();
});
