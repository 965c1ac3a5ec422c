/**
 * The transaction coordinator through the real pipeline (memory engine, manual clock):
 * markers, the last stable offset, aborted-transaction lists for read_committed fetches,
 * KIP-890 produce verification, fencing, timeouts, recovery of a coordinator that died in
 * PrepareCommit, transactional offset commits, and the describe/list APIs.
 */
import { describe, expect, test } from "bun:test";
import { silentLogger } from "../../../../broker/logger.ts";
import { transactionsOf } from "../../../../broker/transactions/attach.ts";
import {
  TRANSACTIONAL_ID_EXPIRATION_MS,
  TransactionCoordinator,
} from "../../../../broker/transactions/coordinator.ts";
import {
  encodeTxnLogKey,
  encodeTxnLogValue,
  TxnStatus,
} from "../../../../broker/transactions/records.ts";
import { CoreTxnStateLog } from "../../../../broker/transactions/txn-log.ts";
import { ErrorCode } from "../../../../protocol/errors.ts";
import { ApiKey } from "../../../../protocol/messages/generated/apis.ts";
import {
  addPartitions,
  createTopic,
  endTxn,
  fetchAll,
  initPid,
  produce,
  txnBatch,
  txnBroker,
} from "./fixture.ts";

async function latest(
  b: Awaited<ReturnType<typeof txnBroker>>,
  topic: string,
  isolationLevel: number,
) {
  const r = await b.call(ApiKey.ListOffsets, 5, {
    replicaId: -1,
    isolationLevel,
    topics: [
      { name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] },
    ],
  });
  return Number(r!.topics[0]!.partitions[0]!.offset);
}

describe("transactions", () => {
  test("a committed transaction is visible to read_committed only after its marker; the LSO holds at its first offset meanwhile", async () => {
    const b = await txnBroker();
    await createTopic(b, "t");
    expect(
      (
        await produce(
          b,
          "t",
          txnBatch({ producerId: -1n, producerEpoch: -1 }, -1, ["plain"], false),
        )
      ).errorCode,
    ).toBe(ErrorCode.NONE);
    const pid = await initPid(b, "tx-a");
    expect(pid.errorCode).toBe(ErrorCode.NONE);
    expect(await addPartitions(b, "tx-a", pid, "t", [0])).toEqual([ErrorCode.NONE]);
    expect((await produce(b, "t", txnBatch(pid, 0, ["t1a", "t1b"]))).errorCode).toBe(
      ErrorCode.NONE,
    );

    let rc = await fetchAll(b, "t", 1);
    expect(rc).toMatchObject({
      highWatermark: 3,
      lastStableOffset: 1,
      values: ["plain"],
      aborted: [],
    });
    const ru = await fetchAll(b, "t", 0);
    expect(ru).toMatchObject({
      highWatermark: 3,
      lastStableOffset: 1,
      values: ["plain", "t1a", "t1b"],
      aborted: null,
    });
    expect(await latest(b, "t", 1)).toBe(1);
    expect(await latest(b, "t", 0)).toBe(3);

    expect(await endTxn(b, "tx-a", pid, true)).toBe(ErrorCode.NONE);
    rc = await fetchAll(b, "t", 1);
    expect(rc).toMatchObject({
      highWatermark: 4,
      lastStableOffset: 4,
      values: ["plain", "t1a", "t1b"],
      aborted: [],
    });
    expect(rc.batches.at(-1)).toEqual([3, true, true]);
    expect(await latest(b, "t", 1)).toBe(4);
    // A retried EndTxn (lost answer) is fine; aborting what was committed is not.
    expect(await endTxn(b, "tx-a", pid, true)).toBe(ErrorCode.NONE);
    expect(await endTxn(b, "tx-a", pid, false)).toBe(ErrorCode.INVALID_TXN_STATE);
  });

  test("an aborted transaction is listed for read_committed fetches; read_uncommitted gets its records", async () => {
    const b = await txnBroker();
    await createTopic(b, "t");
    const pid = await initPid(b, "tx-b");
    await addPartitions(b, "tx-b", pid, "t", [0]);
    await produce(b, "t", txnBatch(pid, 0, ["x1", "x2"]));
    expect(await endTxn(b, "tx-b", pid, false)).toBe(ErrorCode.NONE);
    await addPartitions(b, "tx-b", pid, "t", [0]);
    await produce(b, "t", txnBatch(pid, 2, ["y1"]));
    expect(await endTxn(b, "tx-b", pid, true)).toBe(ErrorCode.NONE);

    const rc = await fetchAll(b, "t", 1);
    expect(rc.aborted).toEqual([{ producerId: Number(pid.producerId), firstOffset: 0 }]);
    expect(rc.batches).toEqual([
      [0, false, true],
      [2, true, true],
      [3, false, true],
      [4, true, true],
    ]);
    expect(rc.lastStableOffset).toBe(5);
    expect((await fetchAll(b, "t", 0)).values).toEqual(["x1", "x2", "y1"]);
    expect(b.core.partition("t", 0)!.log.abortedTransactions(0 as never, 5 as never)).toHaveLength(
      1,
    );
  });

  test("KIP-890: a transactional batch for a partition not in the transaction is INVALID_TXN_STATE; a stale epoch INVALID_PRODUCER_EPOCH", async () => {
    const b = await txnBroker();
    await createTopic(b, "t", 2);
    const pid = await initPid(b, "tx-c");
    await addPartitions(b, "tx-c", pid, "t", [0]);
    expect((await produce(b, "t", txnBatch(pid, 0, ["a"]), 1)).errorCode).toBe(
      ErrorCode.INVALID_TXN_STATE,
    );
    expect(
      (await produce(b, "t", txnBatch({ ...pid, producerEpoch: pid.producerEpoch + 1 }, 0, ["a"])))
        .errorCode,
    ).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect((await fetchAll(b, "t", 0, 1)).values).toEqual([]);
    // Unknown partitions: that one UNKNOWN_TOPIC_OR_PARTITION, the rest not attempted.
    expect(await addPartitions(b, "tx-c", pid, "t", [1, 7])).toEqual([
      ErrorCode.OPERATION_NOT_ATTEMPTED,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    ]);
    // v4+ verify-only (what brokers ask): 0 is in the transaction, 1 is not.
    const v = await b.call(ApiKey.AddPartitionsToTxn, 4, {
      transactions: [
        {
          transactionalId: "tx-c",
          producerId: pid.producerId,
          producerEpoch: pid.producerEpoch,
          verifyOnly: true,
          topics: [{ name: "t", partitions: [0, 1] }],
        },
      ],
    });
    expect(
      v!.resultsByTransaction[0]!.topicResults[0]!.resultsByPartition.map(
        (p) => p.partitionErrorCode,
      ),
    ).toEqual([ErrorCode.NONE, ErrorCode.INVALID_TXN_STATE]);
  });

  test("InitProducerId validates the timeout, bumps the epoch, fences the previous instance and aborts what it left open", async () => {
    const b = await txnBroker({ transaction_max_timeout_ms: 60_000 });
    await createTopic(b, "t");
    expect((await initPid(b, "tx-d", 60_001)).errorCode).toBe(
      ErrorCode.INVALID_TRANSACTION_TIMEOUT,
    );
    const old = await initPid(b, "tx-d");
    await addPartitions(b, "tx-d", old, "t", [0]);
    await produce(b, "t", txnBatch(old, 0, ["zombie"]));
    const fresh = await initPid(b, "tx-d");
    expect(fresh.producerId).toBe(old.producerId);
    expect(fresh.producerEpoch).toBeGreaterThan(old.producerEpoch);
    // The zombie: its commit is fenced (PRODUCER_FENCED from EndTxn v2, INVALID_PRODUCER_EPOCH before), its produce refused.
    expect(await endTxn(b, "tx-d", old, true, 3)).toBe(ErrorCode.PRODUCER_FENCED);
    expect(await endTxn(b, "tx-d", old, true, 1)).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect((await produce(b, "t", txnBatch(old, 1, ["zombie-2"]))).errorCode).toBe(
      ErrorCode.INVALID_PRODUCER_EPOCH,
    );
    const rc = await fetchAll(b, "t", 1);
    expect(rc.values).toEqual([]);
    expect(rc.aborted).toEqual([{ producerId: Number(old.producerId), firstOffset: 0 }]);
    expect(rc.lastStableOffset).toBe(rc.highWatermark);
    // The new instance works normally.
    await addPartitions(b, "tx-d", fresh, "t", [0]);
    expect((await produce(b, "t", txnBatch(fresh, 0, ["live"]))).errorCode).toBe(ErrorCode.NONE);
    expect(await endTxn(b, "tx-d", fresh, true)).toBe(ErrorCode.NONE);
    expect((await fetchAll(b, "t", 1)).values).toEqual(["live"]);
  });

  test("an open transaction past transaction.timeout.ms is aborted with a bumped epoch; the producer is then fenced", async () => {
    const b = await txnBroker();
    await createTopic(b, "t");
    const pid = await initPid(b, "tx-e", 5_000);
    await addPartitions(b, "tx-e", pid, "t", [0]);
    await produce(b, "t", txnBatch(pid, 0, ["slow"]));
    const txns = transactionsOf(b.core)!;
    b.clock.advance(4_000);
    expect(await txns.coordinator.sweep()).toBe(0);
    expect((await fetchAll(b, "t", 1)).lastStableOffset).toBe(0);
    // The coordinator's own sweep timer fires on the manual clock and aborts it.
    b.clock.advance(1_000);
    for (
      let i = 0;
      i < 100 && txns.coordinator.get("tx-e")!.status !== TxnStatus.CompleteAbort;
      i++
    ) {
      await Bun.sleep(0);
    }
    const rc = await fetchAll(b, "t", 1);
    expect(rc).toMatchObject({ values: [], lastStableOffset: 2, highWatermark: 2 });
    expect(rc.aborted).toEqual([{ producerId: Number(pid.producerId), firstOffset: 0 }]);
    expect(txns.coordinator.get("tx-e")!.status).toBe(TxnStatus.CompleteAbort);
    expect(await endTxn(b, "tx-e", pid, true)).toBe(ErrorCode.PRODUCER_FENCED);
  });

  test("a coordinator that died after writing PrepareCommit finishes the commit when it loads; replayed partitions rebuild the LSO", async () => {
    const b = await txnBroker();
    await createTopic(b, "t", 2);
    const pid = await initPid(b, "tx-f");
    await addPartitions(b, "tx-f", pid, "t", [0, 1]);
    await produce(b, "t", txnBatch(pid, 0, ["p0"]), 0);
    await produce(b, "t", txnBatch(pid, 0, ["p1"]), 1);
    // A partition rebuilt from its log (as after a restart) holds the LSO at the open txn.
    const p0 = b.core.partition("t", 0)!;
    p0.producers.clear();
    await p0.recover();
    expect(p0.lastStableOffset()).toBe(0);
    // The decision reached the log, then the broker died before any marker.
    const log = await CoreTxnStateLog.open(b.core);
    const now = b.clock.nowMs();
    await log.append(
      "tx-f",
      encodeTxnLogKey("tx-f"),
      encodeTxnLogValue({
        producerId: Number(pid.producerId),
        previousProducerId: -1,
        nextProducerId: -1,
        producerEpoch: pid.producerEpoch,
        transactionTimeoutMs: 60_000,
        status: TxnStatus.PrepareCommit,
        partitions: [{ topic: "t", partitionIds: [0, 1] }],
        lastUpdateTimestampMs: now,
        startTimestampMs: now,
      }),
    );
    const reloaded = new TransactionCoordinator({
      core: b.core,
      log,
      logger: silentLogger,
      maxTimeoutMs: 900_000,
    });
    expect(await reloaded.load()).toEqual({ transactionalIds: 1, completed: 1 });
    expect(reloaded.get("tx-f")!.status).toBe(TxnStatus.CompleteCommit);
    for (const partition of [0, 1]) {
      const rc = await fetchAll(b, "t", 1, partition);
      expect(rc).toMatchObject({ values: [`p${partition}`], lastStableOffset: 2, aborted: [] });
    }
  });

  test("TxnOffsetCommit offsets stay pending (require_stable: UNSTABLE_OFFSET_COMMIT) until commit; an abort discards them", async () => {
    const b = await txnBroker();
    await createTopic(b, "in");
    const offsetFetch = async () => {
      const r = await b.call(ApiKey.OffsetFetch, 7, {
        groupId: "g",
        topics: [{ name: "in", partitionIndexes: [0] }],
        requireStable: true,
        groups: [],
      });
      const p = r!.topics[0]!.partitions[0]!;
      return [p.errorCode, Number(p.committedOffset)];
    };
    const commitOffsets = async (
      pid: { producerId: bigint; producerEpoch: number },
      offset: number,
    ) => {
      const a = await b.call(ApiKey.AddOffsetsToTxn, 3, {
        transactionalId: "tx-g",
        producerId: pid.producerId,
        producerEpoch: pid.producerEpoch,
        groupId: "g",
      });
      expect(a!.errorCode).toBe(ErrorCode.NONE);
      const r = await b.call(ApiKey.TxnOffsetCommit, 3, {
        transactionalId: "tx-g",
        groupId: "g",
        producerId: pid.producerId,
        producerEpoch: pid.producerEpoch,
        generationId: -1,
        memberId: "",
        groupInstanceId: null,
        topics: [
          {
            name: "in",
            partitions: [
              {
                partitionIndex: 0,
                committedOffset: BigInt(offset),
                committedLeaderEpoch: -1,
                committedMetadata: "",
              },
            ],
          },
        ],
      });
      return r!.topics[0]!.partitions[0]!.errorCode;
    };
    const pid = await initPid(b, "tx-g");
    // Without AddOffsetsToTxn first, the group's partition is not in the transaction.
    const early = await b.call(ApiKey.TxnOffsetCommit, 3, {
      transactionalId: "tx-g",
      groupId: "g",
      producerId: pid.producerId,
      producerEpoch: pid.producerEpoch,
      generationId: -1,
      memberId: "",
      groupInstanceId: null,
      topics: [
        {
          name: "in",
          partitions: [
            {
              partitionIndex: 0,
              committedOffset: 1n,
              committedLeaderEpoch: -1,
              committedMetadata: "",
            },
          ],
        },
      ],
    });
    expect(early!.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.INVALID_TXN_STATE);

    expect(await commitOffsets(pid, 5)).toBe(ErrorCode.NONE);
    expect(await offsetFetch()).toEqual([ErrorCode.UNSTABLE_OFFSET_COMMIT, -1]);
    expect(await endTxn(b, "tx-g", pid, true)).toBe(ErrorCode.NONE);
    expect(await offsetFetch()).toEqual([ErrorCode.NONE, 5]);

    expect(await commitOffsets(pid, 9)).toBe(ErrorCode.NONE);
    expect(await endTxn(b, "tx-g", pid, false)).toBe(ErrorCode.NONE);
    expect(await offsetFetch()).toEqual([ErrorCode.NONE, 5]);
  });

  test("DescribeTransactions, ListTransactions and DescribeProducers show an open transaction", async () => {
    const b = await txnBroker();
    await createTopic(b, "t");
    const pid = await initPid(b, "tx-h", 30_000);
    await initPid(b, "tx-idle");
    await addPartitions(b, "tx-h", pid, "t", [0]);
    await produce(b, "t", txnBatch(pid, 0, ["a"]));
    const d = await b.call(ApiKey.DescribeTransactions, 0, { transactionalIds: ["tx-h", "nope"] });
    expect(d!.transactionStates[0]).toMatchObject({
      errorCode: ErrorCode.NONE,
      transactionState: "Ongoing",
      transactionTimeoutMs: 30_000,
      producerId: pid.producerId,
      topics: [{ topic: "t", partitions: [0] }],
    });
    expect(d!.transactionStates[1]!.errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
    const l = await b.call(ApiKey.ListTransactions, 1, {
      stateFilters: ["Ongoing", "Bogus"],
      producerIdFilters: [],
      durationFilter: -1n,
    });
    expect(l!.transactionStates.map((s) => s.transactionalId)).toEqual(["tx-h"]);
    expect(l!.unknownStateFilters).toEqual(["Bogus"]);
    const p = await b.call(ApiKey.DescribeProducers, 0, {
      topics: [{ name: "t", partitionIndexes: [0] }],
    });
    expect(p!.topics[0]!.partitions[0]!.activeProducers[0]).toMatchObject({
      producerId: pid.producerId,
      currentTxnStartOffset: 0n,
    });
    await endTxn(b, "tx-h", pid, true);
    const after = await b.call(ApiKey.DescribeProducers, 0, {
      topics: [{ name: "t", partitionIndexes: [0] }],
    });
    expect(after!.topics[0]!.partitions[0]!.activeProducers[0]!.currentTxnStartOffset).toBe(-1n);
  });
});

describe("transactions: markers and producer ids", () => {
  test("WriteTxnMarkers writes markers per partition: unknown partitions and stale epochs are refused", async () => {
    const b = await txnBroker();
    await createTopic(b, "t");
    const pid = await initPid(b, "tx-m");
    await addPartitions(b, "tx-m", pid, "t", [0]);
    await produce(b, "t", txnBatch(pid, 0, ["m"]));
    const write = async (epoch: number, partitions: number[]) => {
      const r = await b.call(ApiKey.WriteTxnMarkers, 1, {
        markers: [
          {
            producerId: pid.producerId,
            producerEpoch: epoch,
            transactionResult: false,
            topics: [{ name: "t", partitionIndexes: partitions }],
            coordinatorEpoch: 0,
          },
        ],
      });
      return r!.markers[0]!.topics[0]!.partitions.map((p) => p.errorCode);
    };
    expect(await write(pid.producerEpoch + 1, [0, 3])).toEqual([
      ErrorCode.NONE,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    ]);
    expect(await write(pid.producerEpoch, [0])).toEqual([ErrorCode.INVALID_PRODUCER_EPOCH]);
    const rc = await fetchAll(b, "t", 1);
    expect(rc.aborted).toEqual([{ producerId: Number(pid.producerId), firstOffset: 0 }]);
    expect(rc.values).toEqual([]);
    expect(rc.lastStableOffset).toBe(2);
  });

  test("when the epoch would pass 32766 the transactional id gets a new producer id at epoch 0", async () => {
    const b = await txnBroker();
    const first = await initPid(b, "tx-x");
    transactionsOf(b.core)!.coordinator.get("tx-x")!.producerEpoch = 32766;
    const next = await initPid(b, "tx-x");
    expect(next.errorCode).toBe(ErrorCode.NONE);
    expect(next.producerId).not.toBe(first.producerId);
    expect(next.producerEpoch).toBe(0);
    // The old id is no longer the transactional id's: its calls are refused.
    expect(
      await endTxn(b, "tx-x", { producerId: first.producerId, producerEpoch: 32766 }, true),
    ).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  });

  test("an id idle for transactional.id.expiration.ms (7 days) is forgotten; an open transaction keeps it", async () => {
    const b = await txnBroker();
    await createTopic(b, "t");
    const idle = await initPid(b, "tx-idle");
    const busy = await initPid(b, "tx-busy", 900_000);
    await addPartitions(b, "tx-busy", busy, "t", [0]);
    const txns = transactionsOf(b.core)!;
    // The open one times out (15 min) and is aborted on the way: that update keeps it.
    b.clock.advance(TRANSACTIONAL_ID_EXPIRATION_MS - 1);
    await txns.coordinator.sweep();
    expect(txns.coordinator.get("tx-idle")).toBeDefined();
    b.clock.advance(1);
    await txns.coordinator.sweep();
    expect(txns.coordinator.get("tx-idle")).toBeUndefined();
    expect(txns.coordinator.get("tx-busy")!.status).toBe(TxnStatus.CompleteAbort);
    // Forgotten: its old producer id no longer maps, and a new init starts at epoch 0.
    expect(await endTxn(b, "tx-idle", idle, true)).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    const again = await initPid(b, "tx-idle");
    expect(again.producerEpoch).toBe(0);
    expect(again.producerId).not.toBe(idle.producerId);
  });

  test("a second InitProducerId while the first is still writing gets CONCURRENT_TRANSACTIONS", async () => {
    const b = await txnBroker();
    await initPid(b, "tx-y");
    const [one, two] = await Promise.all([initPid(b, "tx-y"), initPid(b, "tx-y")]);
    expect([one.errorCode, two.errorCode].sort()).toEqual(
      [ErrorCode.NONE, ErrorCode.CONCURRENT_TRANSACTIONS].sort(),
    );
  });
});
