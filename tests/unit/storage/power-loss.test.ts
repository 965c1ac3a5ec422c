/**
 * Power loss, not just a killed process: on a simulated disk that forgets everything not
 * fdatasync'd (and directory entries not fsync'd), crash at random moments while
 * acks=all and acks=1 appenders run and segments roll. After every restart each batch
 * acknowledged with durability "sync" is there byte-identical and every batch served
 * passes its CRC. This is the test that would catch a missing fsync.
 */
import { expect, test } from "bun:test";
import { RecordBatchHeader, validateBatch } from "../../../protocol/records/batch-header.ts";
import type { Random } from "../../../storage/clock.ts";
import { FileEngine } from "../../../storage/file/file-engine.ts";
import { toOffset } from "../../../storage/offset.ts";
import { ManualClock } from "../../../storage/testing/manual-clock.ts";
import { SimFileSystem } from "../../../storage/testing/sim-fs.ts";
import { config, makeBatch, TOPIC_ID } from "./helpers.ts";

function seeded(seed: number): Random {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (bound) => Math.floor(next() * bound),
    bytes: (n) => Uint8Array.from({ length: n }, () => Math.floor(next() * 256)),
  };
}

const CFG = config({ segmentBytes: 4096, indexIntervalBytes: 256 });
const ticks = (n: number) =>
  (async () => {
    for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
  })();

test("acks=all batches survive 150 simulated power losses", async () => {
  const seed = Number(process.env.POWER_LOSS_SEED ?? Date.now() % 1_000_000);
  const random = seeded(seed);
  const fs = new SimFileSystem();
  const clock = new ManualClock();
  const acked = new Map<number, Uint8Array>();
  let crashes = 0;
  for (let round = 0; round < 150; round++) {
    const engine = await FileEngine.open({
      dataDir: "/data",
      fs,
      clock,
      clusterId: "sim",
      nodeId: 1,
      maintenanceIntervalMs: 0,
    });
    const log = await engine.openLog({ topic: "t", partition: 0, topicId: TOPIC_ID, config: CFG });
    // Everything acknowledged is there, byte for byte; everything served is valid.
    let offset = 0;
    const served = new Map<number, Uint8Array>();
    while (offset < log.logEndOffset()) {
      const r = await log.read(toOffset(offset), 1 << 20);
      expect(r.batchCount).toBeGreaterThan(0);
      let pos = 0;
      while (pos < r.records.length) {
        const v = validateBatch(r.records, pos, { contiguous: false });
        if (!v.ok) throw new Error(`seed ${seed} round ${round}: corrupt batch served`);
        served.set(v.header.baseOffset, r.records.slice(pos, pos + v.size));
        offset = v.header.lastOffset + 1;
        pos += v.size;
      }
    }
    for (const [base, bytes] of acked) {
      const got = served.get(base);
      if (
        got === undefined ||
        !got.every((b, i) => b === bytes[i]) ||
        got.length !== bytes.length
      ) {
        throw new Error(`seed ${seed} round ${round}: acknowledged batch at ${base} lost`);
      }
    }
    // Run appenders; crash after a random number of event-loop turns (or close cleanly).
    let stop = false;
    const appender = async (sync: boolean) => {
      while (!stop) {
        const batch = makeBatch({ count: 1 + random.int(3), valueBytes: random.int(400) });
        try {
          const r = await log.append(batch, {
            assignOffsets: true,
            durability: sync ? "sync" : "write",
          });
          if (sync) acked.set(r.firstOffset, batch.slice());
        } catch {
          return;
        }
      }
    };
    const running = [appender(true), appender(true), appender(true), appender(false)];
    await ticks(1 + random.int(300));
    stop = true;
    if (random.next() < 0.2) {
      await Promise.all(running);
      await engine.close();
    } else {
      fs.crash({ random, keepUnsyncedTail: random.next() < 0.5 });
      crashes++;
      await Promise.all(running);
    }
  }
  expect(crashes).toBeGreaterThan(90);
  expect(acked.size).toBeGreaterThan(150);
  // Acknowledged offsets never repeat (a reused offset would mean lost acked data).
  expect(new Set([...acked.values()].map((b) => new RecordBatchHeader(b, 0).baseOffset)).size).toBe(
    acked.size,
  );
}, 120_000);
