/**
 * A broker restarted over the file engine in the middle of transactions (manual clock):
 * a transaction whose PrepareCommit reached `__transaction_state` is committed at
 * start-up, an Ongoing one keeps holding the last stable offset until it times out and is
 * aborted, and an abort from before the restart is still listed for read_committed (its
 * .txnindex entry survived).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_CONFIG } from "../../../../broker/config.ts";
import { BrokerCore } from "../../../../broker/core/broker-core.ts";
import { startGroupCoordinator, stopGroupCoordinator } from "../../../../broker/groups/attach.ts";
import { defaultRegistry } from "../../../../broker/handlers/index.ts";
import { silentLogger } from "../../../../broker/logger.ts";
import { createPipeline } from "../../../../broker/pipeline.ts";
import { MemoryProducerIdAllocator } from "../../../../broker/runtime/producer-id-file.ts";
import {
  startTransactionCoordinator,
  stopTransactionCoordinator,
  transactionsOf,
} from "../../../../broker/transactions/attach.ts";
import {
  encodeTxnLogKey,
  encodeTxnLogValue,
  TxnStatus,
} from "../../../../broker/transactions/records.ts";
import { CoreTxnStateLog } from "../../../../broker/transactions/txn-log.ts";
import { ErrorCode } from "../../../../protocol/errors.ts";
import { decodeResponseFrame, encodeRequestFrame } from "../../../../protocol/messages/frame.ts";
import { openStorageEngine } from "../../../../storage/open-engine.ts";
import { ManualClock } from "../../../../storage/testing/manual-clock.ts";
import type { TestBroker } from "../harness.ts";
import { seededRandom } from "../harness.ts";
import {
  addPartitions,
  createTopic,
  endTxn,
  fetchAll,
  initPid,
  produce,
  txnBatch,
} from "./fixture.ts";

const dir = mkdtempSync(join(tmpdir(), "datacore-txn-restart-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function open(
  clock: ManualClock,
  producerIds: MemoryProducerIdAllocator,
): Promise<TestBroker> {
  const config = { ...DEFAULT_CONFIG, data_dir: dir, offsets_topic_num_partitions: 3 };
  const engine = await openStorageEngine({
    kind: "file",
    dataDir: dir,
    clock,
    clusterId: "txn-restart-cluster-00",
    nodeId: config.broker_id,
  });
  const core = await BrokerCore.open({
    config,
    clock,
    random: seededRandom(),
    logger: silentLogger,
    engine,
    producerIds,
    clusterId: "txn-restart-cluster-00",
    advertised: { host: "localhost", port: 9092 },
  });
  await startGroupCoordinator(core, silentLogger);
  await startTransactionCoordinator(core, silentLogger);
  const pipeline = createPipeline(core, defaultRegistry(), silentLogger);
  let correlation = 0;
  const raw = async (frame: Uint8Array) => pipeline(frame, { id: 1, remote: "test" });
  return {
    core,
    clock,
    raw,
    async call(apiKey, version, body) {
      const outcome = await raw(
        encodeRequestFrame(apiKey, version, ++correlation, "unit", body).slice(4),
      );
      if (outcome.kind === "none") return null;
      if (outcome.kind === "close") throw new Error(outcome.reason);
      return decodeResponseFrame(apiKey, version, outcome.frame.subarray(4)).body;
    },
  };
}

describe("transactions across a restart (file engine)", () => {
  test("PrepareCommit completes at start-up; Ongoing holds the LSO until its timeout aborts it; earlier aborts stay listed", async () => {
    const clock = new ManualClock();
    const ids = new MemoryProducerIdAllocator();
    const b1 = await open(clock, ids);
    await createTopic(b1, "t", 2);
    // An aborted transaction before the restart (t-0 offsets 0-1, marker 2).
    const a = await initPid(b1, "aborted", 60_000);
    await addPartitions(b1, "aborted", a, "t", [0]);
    await produce(b1, "t", txnBatch(a, 0, ["a0", "a1"]), 0);
    expect(await endTxn(b1, "aborted", a, false)).toBe(ErrorCode.NONE);
    // To be committed: data on t-0 (3) and t-1 (0); then the coordinator "dies" after PrepareCommit.
    const c = await initPid(b1, "committing", 60_000);
    await addPartitions(b1, "committing", c, "t", [0, 1]);
    await produce(b1, "t", txnBatch(c, 0, ["c0"]), 0);
    await produce(b1, "t", txnBatch(c, 0, ["c1"]), 1);
    // Left open: t-1 offset 1.
    const o = await initPid(b1, "open", 10_000);
    await addPartitions(b1, "open", o, "t", [1]);
    await produce(b1, "t", txnBatch(o, 0, ["o1"]), 1);
    const log = await CoreTxnStateLog.open(b1.core);
    await log.append(
      "committing",
      encodeTxnLogKey("committing"),
      encodeTxnLogValue({
        producerId: Number(c.producerId),
        previousProducerId: -1,
        nextProducerId: -1,
        producerEpoch: c.producerEpoch,
        transactionTimeoutMs: 60_000,
        status: TxnStatus.PrepareCommit,
        partitions: [{ topic: "t", partitionIds: [0, 1] }],
        lastUpdateTimestampMs: clock.nowMs(),
        startTimestampMs: clock.nowMs(),
      }),
    );
    expect((await fetchAll(b1, "t", 1, 0)).lastStableOffset).toBe(3);
    stopTransactionCoordinator(b1.core);
    stopGroupCoordinator(b1.core);
    await b1.core.close();

    const b2 = await open(clock, ids);
    const txns = transactionsOf(b2.core)!;
    expect(txns.coordinator.get("committing")!.status).toBe(TxnStatus.CompleteCommit);
    expect(txns.coordinator.get("open")!.status).toBe(TxnStatus.Ongoing);
    const t0 = await fetchAll(b2, "t", 1, 0);
    expect(t0).toMatchObject({ values: ["c0"], lastStableOffset: 5, highWatermark: 5 });
    expect(t0.aborted).toEqual([{ producerId: Number(a.producerId), firstOffset: 0 }]);
    const t1 = await fetchAll(b2, "t", 1, 1);
    // "o1" at offset 1 holds the LSO; the commit marker for c1 is at 2.
    expect(t1).toMatchObject({ values: ["c1"], lastStableOffset: 1, highWatermark: 3 });

    clock.advance(10_000);
    await txns.coordinator.sweep();
    for (
      let i = 0;
      i < 100 && txns.coordinator.get("open")!.status !== TxnStatus.CompleteAbort;
      i++
    ) {
      await Bun.sleep(0);
    }
    expect(txns.coordinator.get("open")!.status).toBe(TxnStatus.CompleteAbort);
    const after = await fetchAll(b2, "t", 1, 1);
    expect(after).toMatchObject({ values: ["c1"], lastStableOffset: 4, highWatermark: 4 });
    expect(after.aborted).toEqual([{ producerId: Number(o.producerId), firstOffset: 1 }]);
    stopTransactionCoordinator(b2.core);
    stopGroupCoordinator(b2.core);
    await b2.core.close();
  });
});
