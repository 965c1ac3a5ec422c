/**
 * One contract, every engine: the scenarios the broker relies on, run against the memory
 * and the file engine alike (and, for the file engine, again after a restart).
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { iterateRecords } from "../../../protocol/records/batch.ts";
import { RecordBatchHeader } from "../../../protocol/records/batch-header.ts";
import { buildControlBatch } from "../../../protocol/records/control.ts";
import { validateRecordsForTopic } from "../../../storage/compacted-validation.ts";
import type { PartitionLog } from "../../../storage/engine.ts";
import { isStorageError } from "../../../storage/errors.ts";
import { toOffset } from "../../../storage/offset.ts";
import {
  config,
  decoder,
  type EngineHarness,
  HARNESSES,
  makeBatch,
  openLog,
  splitBatches,
} from "./helpers.ts";

const o = toOffset;
const write = { assignOffsets: true, durability: "write" } as const;
const sync = { assignOffsets: true, durability: "sync" } as const;

async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  try {
    await p;
  } catch (err) {
    expect(isStorageError(err)).toBe(true);
    expect((err as { code: string }).code).toBe(code);
    return;
  }
  throw new Error(`expected a ${code} rejection`);
}

function recordValues(records: Uint8Array): Array<[number, string | null, string | null]> {
  const out: Array<[number, string | null, string | null]> = [];
  for (const b of splitBatches(records)) {
    const h = new RecordBatchHeader(b.bytes, 0);
    if (h.isControl) continue;
    for (const r of iterateRecords(b.bytes)) {
      out.push([r.offset, r.key && decoder.decode(r.key), r.value && decoder.decode(r.value)]);
    }
  }
  return out;
}

async function readAll(log: PartitionLog, from = log.logStartOffset()): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  let offset: number = from;
  while (offset < log.logEndOffset()) {
    const r = await log.read(o(offset), 1 << 20);
    if (r.batchCount === 0) break;
    for (const b of splitBatches(r.records)) {
      out.push(b.bytes.slice());
      offset = b.last + 1;
    }
  }
  return out;
}

for (const [name, makeHarness] of HARNESSES) {
  describe(`storage engine contract: ${name}`, () => {
    let h: EngineHarness;
    beforeEach(async () => {
      h = await makeHarness();
    });
    afterEach(async () => {
      await h.dispose();
    });

    /** Runs `check` now and, for engines that persist, again after a restart. */
    async function nowAndAfterRestart(
      log: PartitionLog,
      check: (log: PartitionLog) => Promise<void>,
      cfg = log.config(),
    ): Promise<void> {
      await check(log);
      if (h.restart === null) return;
      const engine = await h.restart();
      await check(await openLog(engine, cfg));
    }

    test("appends get consecutive offsets in call order and read back byte-identical", async () => {
      const log = await openLog(h.engine);
      const a = makeBatch({ count: 3 });
      const b = makeBatch({ count: 2 });
      const [ra, rb] = await Promise.all([log.append(a, write), log.append(b, sync)]);
      expect([ra.firstOffset, ra.lastOffset, rb.firstOffset, rb.lastOffset].map(Number)).toEqual([
        0, 2, 3, 4,
      ]);
      expect(log.logEndOffset()).toBe(o(5));
      await nowAndAfterRestart(log, async (l) => {
        const r = await l.read(o(0), 1 << 20);
        expect(r.batchCount).toBe(2);
        expect(splitBatches(r.records).map((x) => [x.base, x.last])).toEqual([
          [0, 2],
          [3, 4],
        ]);
        expect(r.records).toEqual(new Uint8Array([...a, ...b]));
        expect(l.logEndOffset()).toBe(o(5));
      });
    });

    test("a fetch in the middle of a batch returns that whole batch", async () => {
      const log = await openLog(h.engine);
      await log.append(makeBatch({ count: 5 }), write);
      await log.append(makeBatch({ count: 5 }), write);
      const r = await log.read(o(7), 1 << 20);
      expect(splitBatches(r.records).map((x) => x.base)).toEqual([5]);
    });

    test("maxBytes keeps whole batches, and an oversized first batch still comes back", async () => {
      const log = await openLog(h.engine);
      const big = makeBatch({ count: 4, valueBytes: 500 });
      await log.append(big, write);
      await log.append(makeBatch({ count: 1 }), write);
      const small = await log.read(o(0), 100);
      expect(small.batchCount).toBe(1);
      expect(small.records.length).toBe(big.length);
      const none = await log.read(o(0), 100, { minOneBatch: false });
      expect(none.batchCount).toBe(0);
      const fit = await log.read(o(0), big.length + 10);
      expect(fit.batchCount).toBe(1);
    });

    test("offsets outside [log start, log end] are out of range; the log end reads empty", async () => {
      const log = await openLog(h.engine);
      await log.append(makeBatch({ count: 2 }), write);
      expect((await log.read(o(2), 1000)).batchCount).toBe(0);
      await rejectsWith(log.read(o(3), 1000), "offset_out_of_range");
    });

    test("maxOffset (the high watermark) hides batches that start at or after it", async () => {
      const log = await openLog(h.engine);
      await log.append(makeBatch({ count: 2 }), write);
      await log.append(makeBatch({ count: 2 }), write);
      log.updateHighWatermark(o(2));
      const r = await log.read(o(0), 1 << 20, { maxOffset: log.highWatermark() });
      expect(splitBatches(r.records).map((x) => x.base)).toEqual([0]);
      expect((await log.read(o(2), 1 << 20, { maxOffset: o(2) })).batchCount).toBe(0);
      expect(() => log.updateHighWatermark(o(9))).toThrow();
    });

    test("a follower appends the leader's offsets, gaps included, never below the log end", async () => {
      const log = await openLog(h.engine);
      const b = makeBatch({ count: 2 });
      new RecordBatchHeader(b, 0).setBaseOffset(10);
      await log.append(b, { assignOffsets: false, durability: "write" });
      expect(log.logEndOffset()).toBe(o(12));
      const again = makeBatch({ count: 1 });
      new RecordBatchHeader(again, 0).setBaseOffset(11);
      await expect(
        log.append(again, { assignOffsets: false, durability: "write" }),
      ).rejects.toThrow(/offsets only grow/);
      const r = await log.read(o(0), 1 << 20);
      expect(splitBatches(r.records).map((x) => x.base)).toEqual([10]);
    });

    test("truncation removes the tail, moves the log end, HW and epochs back", async () => {
      const log = await openLog(h.engine);
      await log.append(makeBatch({ count: 2 }), { ...write, leaderEpoch: 1 });
      await log.append(makeBatch({ count: 2 }), { ...write, leaderEpoch: 2 });
      await log.append(makeBatch({ count: 2 }), { ...write, leaderEpoch: 3 });
      log.updateHighWatermark(o(6));
      await log.truncateTo(o(2));
      expect(log.logEndOffset()).toBe(o(2));
      expect(log.highWatermark()).toBe(o(2));
      expect(log.epochEntries()).toEqual([{ epoch: 1, startOffset: o(0) }]);
      const next = await log.append(makeBatch({ count: 1 }), { ...write, leaderEpoch: 4 });
      expect(next.firstOffset).toBe(o(2));
      await nowAndAfterRestart(log, async (l) => {
        expect(l.logEndOffset()).toBe(o(3));
        expect(splitBatches((await l.read(o(0), 1 << 20)).records).map((x) => x.base)).toEqual([
          0, 2,
        ]);
        expect(l.epochEntries().map((e) => [e.epoch, e.startOffset])).toEqual([
          [1, 0],
          [4, 2],
        ]);
      });
    });

    test("truncating below the log start empties the log and restarts it there", async () => {
      const log = await openLog(h.engine);
      await log.append(makeBatch({ count: 4 }), write);
      log.updateHighWatermark(o(4));
      await log.deleteRecordsBefore(o(4));
      await log.truncateTo(o(1));
      expect([log.logStartOffset(), log.logEndOffset()]).toEqual([o(1), o(1)]);
      expect((await log.append(makeBatch(), write)).firstOffset).toBe(o(1));
    });

    test("DeleteRecords advances the log start up to the HW, persistently", async () => {
      const log = await openLog(h.engine, config({ segmentBytes: 200 }));
      for (let i = 0; i < 6; i++) await log.append(makeBatch({ count: 2 }), write);
      await rejectsWith(log.deleteRecordsBefore(o(5)), "offset_out_of_range");
      log.updateHighWatermark(o(12));
      expect(await log.deleteRecordsBefore(o(5))).toBe(o(5));
      expect(await log.deleteRecordsBefore(o(3))).toBe(o(5));
      await nowAndAfterRestart(log, async (l) => {
        expect(l.logStartOffset()).toBe(o(5));
        await rejectsWith(l.read(o(4), 1000), "offset_out_of_range");
        const r = await l.read(o(5), 1 << 20);
        expect(splitBatches(r.records)[0]!.base).toBe(4);
      });
    });

    test("ListOffsets by timestamp finds the first record at or after the time", async () => {
      const log = await openLog(h.engine, config({ indexIntervalBytes: 0 }));
      await log.append(makeBatch({ count: 3, timestamp: 1000 }), write); // 1000..1002
      await log.append(makeBatch({ count: 3, timestamp: 2000 }), write); // 2000..2002
      await nowAndAfterRestart(log, async (l) => {
        expect(await l.offsetForTimestamp(0)).toMatchObject({ offset: 0, timestamp: 1000 });
        expect(await l.offsetForTimestamp(1001)).toMatchObject({ offset: 1, timestamp: 1001 });
        expect(await l.offsetForTimestamp(1500)).toMatchObject({ offset: 3, timestamp: 2000 });
        expect(await l.offsetForTimestamp(2002)).toMatchObject({ offset: 5, timestamp: 2002 });
        expect(await l.offsetForTimestamp(2003)).toBeNull();
      });
    });

    test("leader epochs: appends record epoch starts; OffsetForLeaderEpoch answers like Kafka", async () => {
      const log = await openLog(h.engine);
      expect(log.endOffsetForEpoch(0)).toEqual({ epoch: -1, endOffset: -1 });
      await log.append(makeBatch({ count: 2 }), { ...write, leaderEpoch: 1 });
      await log.append(makeBatch({ count: 3 }), { ...write, leaderEpoch: 3 });
      await log.assignEpochStartOffset(5, log.logEndOffset());
      await log.append(makeBatch({ count: 1 }), { ...write, leaderEpoch: 5 });
      await nowAndAfterRestart(log, async (l) => {
        expect(l.latestEpoch()).toBe(5);
        expect(l.endOffsetForEpoch(5)).toEqual({ epoch: 5, endOffset: 6 });
        expect(l.endOffsetForEpoch(3)).toEqual({ epoch: 3, endOffset: 5 });
        expect(l.endOffsetForEpoch(2)).toEqual({ epoch: 1, endOffset: 2 });
        expect(l.endOffsetForEpoch(0)).toEqual({ epoch: 0, endOffset: 0 });
        expect(l.endOffsetForEpoch(6)).toEqual({ epoch: -1, endOffset: -1 });
      });
    });

    test("producer snapshots are kept with the log and dropped by truncation below them", async () => {
      const log = await openLog(h.engine);
      await log.append(makeBatch({ count: 4 }), write);
      await log.saveProducerSnapshot({ offset: o(2), bytes: new Uint8Array([1, 2]) });
      await log.saveProducerSnapshot({ offset: o(4), bytes: new Uint8Array([3, 4, 5]) });
      expect(log.latestProducerSnapshot()?.offset).toBe(o(4));
      await nowAndAfterRestart(log, async (l) => {
        expect(l.latestProducerSnapshot()).toEqual({
          offset: o(4),
          bytes: new Uint8Array([3, 4, 5]),
        });
      });
      const l2 = h.restart === null ? log : await openLog(h.engine);
      await l2.truncateTo(o(3));
      expect(l2.latestProducerSnapshot()).toEqual({ offset: o(2), bytes: new Uint8Array([1, 2]) });
    });

    test("aborted transactions are kept for read_committed fetches, persistently", async () => {
      const log = await openLog(h.engine, config({ segmentBytes: 300 }));
      for (let i = 0; i < 6; i++) await log.append(makeBatch({ count: 2, valueBytes: 60 }), write);
      const txn = (pid: number, first: number, last: number) => ({
        producerId: pid,
        firstOffset: o(first),
        lastOffset: o(last),
        lastStableOffset: o(first),
      });
      await log.recordAbortedTransaction(txn(7, 1, 4));
      await log.recordAbortedTransaction(txn(8, 6, 9));
      await log.recordAbortedTransaction(txn(7, 1, 4)); // re-recorded after a restart: no-op
      await nowAndAfterRestart(log, async (l) => {
        expect(l.abortedTransactions(o(0), o(12)).map((t) => t.producerId)).toEqual([7, 8]);
        expect(l.abortedTransactions(o(5), o(6)).map((t) => t.producerId)).toEqual([]);
        expect(l.abortedTransactions(o(5), o(7)).map((t) => t.producerId)).toEqual([8]);
        expect(l.abortedTransactions(o(4), o(5))).toEqual([txn(7, 1, 4)]);
      });
      const l2 = h.restart === null ? log : await openLog(h.engine, log.config());
      await l2.truncateTo(o(8));
      expect(l2.abortedTransactions(o(0), o(12)).map((t) => t.producerId)).toEqual([7]);
    });

    test("segments roll by segment.bytes, segment.ms and on request", async () => {
      const log = await openLog(h.engine, config({ segmentBytes: 300, segmentMs: 60_000 }));
      const b = () => makeBatch({ count: 1, valueBytes: 100 }); // ~180 bytes
      await log.append(b(), write);
      await log.append(b(), write);
      expect(log.segmentCount()).toBe(2);
      h.clock.advance(60_000);
      await log.append(b(), write);
      expect(log.segmentCount()).toBe(3);
      await log.roll();
      await log.roll();
      expect(log.segmentCount()).toBe(4);
      await nowAndAfterRestart(log, async (l) => {
        expect((await readAll(l)).length).toBe(3);
      });
    });

    test("retention by size and time deletes whole old segments, never past the HW", async () => {
      const cfg = config({ segmentBytes: 250, retentionBytes: 400, retentionMs: -1 });
      const log = await openLog(h.engine, cfg);
      for (let i = 0; i < 6; i++) {
        await log.append(
          makeBatch({ count: 1, valueBytes: 100, timestamp: h.clock.nowMs() }),
          write,
        );
      }
      expect(log.segmentCount()).toBe(6);
      expect((await log.applyRetention()).deletedSegments).toBe(0); // HW is 0
      log.updateHighWatermark(log.logEndOffset());
      const bySize = await log.applyRetention();
      // 6 segments of 172 bytes over a 400-byte budget: the oldest 3 go (Kafka's rule).
      expect(bySize.deletedSegments).toBe(3);
      expect(log.logStartOffset()).toBe(o(3));
      log.updateConfig(config({ segmentBytes: 250, retentionMs: 1000 }));
      h.clock.advance(5000);
      await log.append(makeBatch({ count: 1, timestamp: h.clock.nowMs() }), write);
      log.updateHighWatermark(log.logEndOffset());
      const byTime = await log.applyRetention();
      expect(byTime.deletedSegments).toBe(3);
      expect(log.logStartOffset()).toBe(o(6));
      await nowAndAfterRestart(
        log,
        async (l) => {
          expect(l.logStartOffset()).toBe(o(6));
          expect((await readAll(l)).length).toBe(1);
        },
        log.config(),
      );
    });

    test("compaction keeps the latest value per key and the original offsets", async () => {
      const cfg = config({
        cleanupPolicy: { compact: true, delete: false },
        segmentBytes: 1,
        deleteRetentionMs: 1000,
      });
      const log = await openLog(h.engine, cfg);
      const now = h.clock.nowMs();
      await log.append(
        makeBatch({ keys: ["a", "b"], values: ["a1", "b1"], timestamp: now }),
        write,
      );
      await log.append(
        makeBatch({ keys: ["a", "c"], values: ["a2", "c1"], timestamp: now }),
        write,
      );
      await log.append(makeBatch({ keys: ["b"], values: [null], timestamp: now }), write); // tombstone
      await log.append(
        makeBatch({ keys: ["c", "d"], values: ["c2", "d1"], timestamp: now }),
        write,
      );
      await log.append(makeBatch({ keys: ["z"], values: ["active"], timestamp: now }), write);
      log.updateHighWatermark(log.logEndOffset());
      const result = await log.compact({ force: true });
      expect(result?.removedRecords).toBe(3);
      await nowAndAfterRestart(log, async (l) => {
        const all = recordValues(new Uint8Array((await readAll(l)).flatMap((b) => [...b])));
        expect(all).toEqual([
          [2, "a", "a2"],
          [4, "b", null],
          [5, "c", "c2"],
          [6, "d", "d1"],
          [7, "z", "active"],
        ]);
      });
      const l2 = h.restart === null ? log : await openLog(h.engine, cfg);
      h.clock.advance(10_000);
      await l2.compact({ force: true });
      const after = recordValues(new Uint8Array((await readAll(l2)).flatMap((b) => [...b])));
      expect(after.map((r) => r[1])).toEqual(["a", "c", "d", "z"]); // expired tombstone gone
    });

    test("compaction leaves transactional data and markers alone (read_committed stays right)", async () => {
      const cfg = config({ cleanupPolicy: { compact: true, delete: false }, segmentBytes: 1 });
      const log = await openLog(h.engine, cfg);
      await log.append(makeBatch({ keys: ["k"], values: ["committed"] }), write);
      // An aborted transaction overwrites k: it must not supersede the committed value.
      await log.append(
        makeBatch({ keys: ["k"], values: ["aborted"], transactional: true, producerId: 7 }),
        write,
      );
      const marker = buildControlBatch({
        producerId: 7,
        producerEpoch: 0,
        type: 0,
        coordinatorEpoch: 0,
        timestamp: h.clock.nowMs(),
      });
      await log.append(marker, write);
      await log.append(makeBatch({ keys: ["other"], values: ["x"] }), write);
      log.updateHighWatermark(log.logEndOffset());
      await log.compact({ force: true });
      const batches = await readAll(log);
      expect(batches.length).toBe(4);
      expect(recordValues(batches[0]!)).toEqual([[0, "k", "committed"]]);
      expect(new RecordBatchHeader(batches[2]!, 0).isControl).toBe(true);
    });

    test("compaction stops at the first unstable offset and at the HW", async () => {
      const cfg = config({ cleanupPolicy: { compact: true, delete: false }, segmentBytes: 1 });
      const log = await openLog(h.engine, cfg);
      for (const v of ["1", "2", "3", "4"])
        await log.append(makeBatch({ keys: ["k"], values: [v] }), write);
      log.updateHighWatermark(o(1));
      expect((await log.compact({ force: true }))?.removedRecords ?? 0).toBe(0);
      log.updateHighWatermark(log.logEndOffset());
      log.updateFirstUnstableOffset(o(1));
      expect((await log.compact({ force: true }))?.removedRecords ?? 0).toBe(0);
      log.updateFirstUnstableOffset(null);
      expect((await log.compact({ force: true }))?.removedRecords).toBe(2);
    });

    test("compacted topics reject keyless records at produce (INVALID_RECORD)", () => {
      const compacted = config({ cleanupPolicy: { compact: true, delete: false } });
      expect(validateRecordsForTopic(makeBatch({ keys: ["a"] }), compacted)).toBeNull();
      expect(validateRecordsForTopic(makeBatch({ keys: [null] }), compacted)?.code).toBe(
        "invalid_record",
      );
      expect(validateRecordsForTopic(makeBatch({ keys: [null] }), config())).toBeNull();
    });

    test("the metadata store keeps topics, ids, partition counts and configs", async () => {
      const md = h.engine.metadata;
      expect(md.identity()).toEqual({ clusterId: "test-cluster", nodeId: 1 });
      await md.createTopic({
        name: "orders",
        id: "AAAAAAAAAAAAAAAAAAAAAg",
        partitions: 3,
        replicationFactor: 1,
        configs: { "cleanup.policy": "compact" },
      });
      await rejectsWith(
        md.createTopic({
          name: "orders",
          id: "x",
          partitions: 1,
          replicationFactor: 1,
          configs: {},
        }),
        "topic_exists",
      );
      await rejectsWith(
        md.createTopic({
          name: "bad",
          id: "y",
          partitions: 1,
          replicationFactor: 1,
          configs: { "retention.ms": "soon" },
        }),
        "invalid_config",
      );
      await md.setPartitionCount("orders", 5);
      await md.setTopicConfigs("orders", { "retention.ms": "1000" });
      await md.createTopic({
        name: "gone",
        id: "AAAAAAAAAAAAAAAAAAAAAw",
        partitions: 1,
        replicationFactor: 1,
        configs: {},
      });
      await md.deleteTopic("gone");
      const check = (store: typeof md) => {
        expect(store.topic("orders")).toEqual({
          name: "orders",
          id: "AAAAAAAAAAAAAAAAAAAAAg",
          partitions: 5,
          replicationFactor: 1,
          configs: { "retention.ms": "1000" },
        });
        expect(store.topicById("AAAAAAAAAAAAAAAAAAAAAg")?.name).toBe("orders");
        expect(store.topic("gone")).toBeNull();
      };
      check(md);
      if (h.restart !== null) check((await h.restart()).metadata);
    });

    test("a deleted log is gone and can be created afresh", async () => {
      const log = await openLog(h.engine);
      await log.append(makeBatch({ count: 3 }), write);
      expect(await h.engine.listLogs()).toEqual([{ topic: "events", partition: 0 }]);
      await h.engine.deleteLog("events", 0);
      expect(await h.engine.listLogs()).toEqual([]);
      const fresh = await openLog(h.engine);
      expect(fresh.logEndOffset()).toBe(o(0));
    });
  });
}
