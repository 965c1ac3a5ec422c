/**
 * Kill -9 the writer at 200+ random moments; after each restart every acknowledged
 * (acks=all) batch reads back byte-identical and every batch served passes its CRC.
 * Every tenth run also tears or scribbles the last bytes of the active segment before
 * the restart, as a crash in the middle of a disk write would.
 */
import { expect, test } from "bun:test";
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RecordBatchHeader, validateBatch } from "../../protocol/records/batch-header.ts";
import { FileEngine } from "../../storage/file/file-engine.ts";
import { type Offset, toOffset } from "../../storage/offset.ts";
import { nodeFileSystem } from "../../storage/runtime/node-fs.ts";
import { ManualClock } from "../../storage/testing/manual-clock.ts";
import { CRASH_LOG_CONFIG, CRASH_TOPIC, crashBatch } from "./crash-batches.ts";

const RUNS = Number(process.env.CRASH_RUNS ?? 210);
const BUN = process.execPath;
const CHILD = join(import.meta.dir, "append-child.ts");

interface Ack {
  offset: number;
  run: number;
  writer: number;
  seq: number;
}

/** Small deterministic PRNG (the seed is printed on failure). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Runs one child and SIGKILLs it: `killAfterMs` after it reported ready (so every run has
 * time to acknowledge something even on a loaded machine), or, when `early`, that long
 * after spawning — possibly in the middle of its own recovery.
 */
async function runChild(
  dir: string,
  run: number,
  killAfterMs: number,
  early: boolean,
): Promise<Ack[]> {
  const child = Bun.spawn([BUN, CHILD, dir, String(run)], { stdout: "pipe", stderr: "pipe" });
  const acks: Ack[] = [];
  let text = "";
  let signalReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    signalReady = resolve;
  });
  const reader = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of child.stdout) {
      text += decoder.decode(chunk, { stream: true });
      if (text.includes("ready")) signalReady();
    }
    signalReady();
  })();
  if (!early) await ready;
  await Bun.sleep(killAfterMs);
  child.kill("SIGKILL");
  await child.exited;
  await reader;
  for (const line of text.split("\n")) {
    const m = /^ack (\d+) (\d+) (\d+)$/.exec(line);
    if (m) acks.push({ offset: Number(m[1]), run, writer: Number(m[2]), seq: Number(m[3]) });
  }
  if (child.signalCode !== "SIGKILL") {
    throw new Error(`child exited on its own: ${await new Response(child.stderr).text()}`);
  }
  return acks;
}

/** Damages the tail of the newest segment; returns the file offset damage starts at. */
function damageTail(
  dir: string,
  random: () => number,
): { segmentBase: number; from: number } | null {
  const pdir = join(dir, `${CRASH_TOPIC}-0`);
  const logs = readdirSync(pdir)
    .filter((n) => n.endsWith(".log"))
    .sort();
  const last = logs.at(-1);
  if (last === undefined) return null;
  const path = join(pdir, last);
  const size = statSync(path).size;
  if (size === 0) return null;
  const n = 1 + Math.floor(random() * Math.min(size, 3000));
  if (random() < 0.5) truncateSync(path, size - n);
  else {
    // A few flipped bytes inside the tail: lengths may survive, so only the CRC can tell.
    const bytes = readFileSync(path);
    for (let k = 0; k < 1 + Math.floor(random() * 8); k++) {
      const i = size - 1 - Math.floor(random() * n);
      bytes[i] = bytes[i]! ^ (1 + Math.floor(random() * 255));
    }
    writeFileSync(path, bytes);
  }
  return { segmentBase: Number(last.slice(0, 20)), from: size - n };
}

test(`acknowledged batches survive ${RUNS} SIGKILLs byte-identical`, async () => {
  const seed = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000);
  const random = rng(seed);
  const dir = mkdtempSync(join(tmpdir(), "datacore-crash-"));
  const allAcks: Ack[] = [];
  let checkedFrom = 0;
  let torn = 0;
  try {
    for (let run = 0; run < RUNS; run++) {
      const early = run % 10 === 4;
      const acks = await runChild(dir, run, Math.floor(random() * (early ? 120 : 80)), early);
      let damage: { segmentBase: number; from: number } | null = null;
      if (run % 10 === 9) {
        damage = damageTail(dir, random);
        torn++;
      }
      const engine = await FileEngine.open({
        dataDir: dir,
        fs: nodeFileSystem,
        clock: new ManualClock(),
        clusterId: "crash",
        nodeId: 1,
        maintenanceIntervalMs: 0,
      });
      const log = await engine.openLog({
        topic: CRASH_TOPIC,
        partition: 0,
        topicId: "AAAAAAAAAAAAAAAAAAAAAQ",
        config: CRASH_LOG_CONFIG,
      });
      const end = log.logEndOffset();
      // Every batch served from where the last check left off is whole and passes its CRC.
      const served = new Map<number, Uint8Array>();
      let offset = Math.min(checkedFrom, end);
      while (offset < end) {
        const r = await log.read(toOffset(offset) as Offset, 4 << 20);
        expect(r.batchCount).toBeGreaterThan(0);
        let pos = 0;
        while (pos < r.records.length) {
          const v = validateBatch(r.records, pos, { contiguous: false });
          if (!v.ok) throw new Error(`seed ${seed} run ${run}: corrupt batch served: ${v.message}`);
          served.set(v.header.baseOffset, r.records.slice(pos, pos + v.size));
          offset = v.header.lastOffset + 1;
          pos += v.size;
        }
      }
      // Damage cuts the log at the first damaged batch: acks from there on are gone, the
      // rest must be intact. Without damage, every ack is below the log end.
      const live = damage === null ? acks : acks.filter((a) => a.offset < end);
      if (damage !== null)
        allAcks.splice(0, allAcks.length, ...allAcks.filter((a) => a.offset < end));
      // Acknowledged batches of this run and a sample of older ones are byte-identical.
      const older = allAcks.filter(() => random() < 0.02);
      for (const ack of [...live, ...older]) {
        const expected = crashBatch(ack.run, ack.writer, ack.seq);
        new RecordBatchHeader(expected, 0).setBaseOffset(ack.offset);
        const got =
          served.get(ack.offset) ??
          splitFirst((await log.read(toOffset(ack.offset), expected.length)).records);
        if (!equal(got, expected)) {
          throw new Error(`seed ${seed} run ${run}: acked batch at ${ack.offset} lost or changed`);
        }
      }
      allAcks.push(...live);
      checkedFrom = end;
      // Half the time the verifier closes cleanly (the child then skips the scan), half
      // the time it leaves like a crash (the child recovers again).
      if (random() < 0.5) await engine.close();
      else await engine.abandon();
    }
    expect(allAcks.length).toBeGreaterThan(RUNS);
    console.log(
      `crash test: seed ${seed}, ${RUNS} kills, ${torn} torn tails, ${allAcks.length} acks verified`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 175_000);

function splitFirst(records: Uint8Array): Uint8Array | undefined {
  if (records.length < 61) return undefined;
  return records.subarray(0, new RecordBatchHeader(records, 0).sizeInBytes);
}

function equal(a: Uint8Array | undefined, b: Uint8Array): boolean {
  if (a === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
