/**
 * Property: random sequences of append / read / truncate / roll / restart agree with a
 * model (a plain array of batches), on both engines. Restart closes and reopens the file
 * engine over the same directory; the memory engine has nothing to restart.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import type { PartitionLog } from "../../../storage/engine.ts";
import { toOffset } from "../../../storage/offset.ts";
import {
  config,
  type EngineHarness,
  HARNESSES,
  makeBatch,
  openLog,
  splitBatches,
} from "./helpers.ts";

type Op =
  | { kind: "append"; count: number; valueBytes: number; sync: boolean; concurrent: number }
  | { kind: "read"; at: number; maxBytes: number }
  | { kind: "truncate"; at: number }
  | { kind: "roll" }
  | { kind: "restart" };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("append" as const),
      count: fc.integer({ min: 1, max: 5 }),
      valueBytes: fc.integer({ min: 0, max: 300 }),
      sync: fc.boolean(),
      concurrent: fc.integer({ min: 1, max: 3 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("read" as const),
      at: fc.double({ min: 0, max: 1, noNaN: true }),
      maxBytes: fc.integer({ min: 1, max: 3000 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("truncate" as const),
      at: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("roll" as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("restart" as const) }) },
);

interface ModelBatch {
  base: number;
  last: number;
  bytes: Uint8Array;
}

const CFG = config({ segmentBytes: 1200, indexIntervalBytes: 150 });

async function run(makeHarness: () => Promise<EngineHarness>, ops: Op[]): Promise<void> {
  const h = await makeHarness();
  try {
    let log: PartitionLog = await openLog(h.engine, CFG);
    const model: ModelBatch[] = [];
    let next = 0;
    for (const op of ops) {
      switch (op.kind) {
        case "append": {
          const batches = Array.from({ length: op.concurrent }, () =>
            makeBatch({ count: op.count, valueBytes: op.valueBytes }),
          );
          const durability = op.sync ? "sync" : "write";
          const results = await Promise.all(
            batches.map((b) => log.append(b, { assignOffsets: true, durability })),
          );
          for (let i = 0; i < batches.length; i++) {
            expect(results[i]!.firstOffset).toBe(toOffset(next));
            model.push({ base: next, last: next + op.count - 1, bytes: batches[i]!.slice() });
            next += op.count;
          }
          break;
        }
        case "read": {
          const offset = Math.floor(op.at * (next + 1));
          if (offset > next) break;
          const r = await log.read(toOffset(Math.min(offset, next)), op.maxBytes);
          const got = splitBatches(r.records);
          const first = model.findIndex((b) => b.last >= offset);
          if (first < 0) {
            expect(got.length).toBe(0);
            break;
          }
          expect(got.length).toBeGreaterThanOrEqual(1);
          if (got.length > 1) expect(r.records.length).toBeLessThanOrEqual(op.maxBytes);
          got.forEach((g, i) => {
            const m = model[first + i]!;
            expect([g.base, g.last]).toEqual([m.base, m.last]);
            expect(g.bytes).toEqual(m.bytes);
          });
          break;
        }
        case "truncate": {
          // Replication truncates at batch boundaries (epoch end offsets are batch starts).
          const boundaries = [...model.map((b) => b.base), next];
          const to = boundaries[Math.floor(op.at * boundaries.length)] ?? next;
          await log.truncateTo(toOffset(to));
          while (model.length > 0 && model.at(-1)!.last >= to) model.pop();
          next = Math.min(next, to);
          break;
        }
        case "roll":
          await log.roll();
          break;
        case "restart":
          if (h.restart !== null) log = await openLog(await h.restart(), CFG);
          break;
      }
      expect(log.logEndOffset()).toBe(toOffset(next));
      expect(log.logStartOffset()).toBe(toOffset(0));
    }
  } finally {
    await h.dispose();
  }
}

for (const [name, makeHarness] of HARNESSES) {
  describe(`log model property: ${name}`, () => {
    test("random append/read/truncate/roll/restart sequences agree with the model", async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 40 }), (ops) =>
          run(makeHarness, ops),
        ),
        { numRuns: name === "file" ? 60 : 200 },
      );
    }, 120_000);
  });
}
