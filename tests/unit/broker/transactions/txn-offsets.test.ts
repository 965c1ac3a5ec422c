/**
 * Transactional offset commits across a restart: the group loader applies only offsets
 * whose transaction committed, and the pending ones (no marker yet) are found again.
 */
import { describe, expect, test } from "bun:test";
import { groupCoordinatorOf } from "../../../../broker/groups/attach.ts";
import { GroupCoordinator } from "../../../../broker/groups/coordinator.ts";
import { CoreGroupLog } from "../../../../broker/groups/group-log.ts";
import { transactionsOf } from "../../../../broker/transactions/attach.ts";
import { PendingTxnOffsets } from "../../../../broker/transactions/txn-offsets.ts";
import { ErrorCode } from "../../../../protocol/errors.ts";
import { ApiKey } from "../../../../protocol/messages/generated/apis.ts";
import { endTxn, initPid, type Pid, txnBroker } from "./fixture.ts";

async function txnOffset(
  b: Awaited<ReturnType<typeof txnBroker>>,
  id: string,
  pid: Pid,
  group: string,
  offset: number,
) {
  const a = await b.call(ApiKey.AddOffsetsToTxn, 3, {
    transactionalId: id,
    producerId: pid.producerId,
    producerEpoch: pid.producerEpoch,
    groupId: group,
  });
  expect(a!.errorCode).toBe(ErrorCode.NONE);
  const r = await b.call(ApiKey.TxnOffsetCommit, 3, {
    transactionalId: id,
    groupId: group,
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
            committedMetadata: "m",
          },
        ],
      },
    ],
  });
  expect(r!.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
}

describe("transactional offsets across a restart", () => {
  test("committed ones load as the group's offsets, aborted ones never, open ones stay pending", async () => {
    const b = await txnBroker();
    const committed = await initPid(b, "c");
    await txnOffset(b, "c", committed, "g-commit", 11);
    expect(await endTxn(b, "c", committed, true)).toBe(ErrorCode.NONE);
    const aborted = await initPid(b, "a");
    await txnOffset(b, "a", aborted, "g-abort", 22);
    expect(await endTxn(b, "a", aborted, false)).toBe(ErrorCode.NONE);
    const open = await initPid(b, "o");
    await txnOffset(b, "o", open, "g-open", 33);
    expect(transactionsOf(b.core)!.offsets.isPending("g-open", "in", 0)).toBe(true);
    expect(
      groupCoordinatorOf(b.core)!.fetchOffsets("g-commit", null).topics[0]!.partitions[0]!.offset,
    ).toBe(11);

    // What a restart sees: a fresh group coordinator and pending table over the same log.
    const groups = new GroupCoordinator({
      ...groupCoordinatorOf(b.core)!.ctx,
      log: await CoreGroupLog.open(b.core, 50),
    });
    await groups.start();
    const offsetOf = (g: string) =>
      groups.fetchOffsets(g, [{ name: "in", partitions: [0] }]).topics[0]!.partitions[0]!.offset;
    expect(offsetOf("g-commit")).toBe(11);
    expect(offsetOf("g-abort")).toBe(-1);
    expect(offsetOf("g-open")).toBe(-1);
    groups.stop();
    const pending = new PendingTxnOffsets();
    expect(await pending.load(b.core)).toBe(1);
    expect(pending.isPending("g-open", "in", 0)).toBe(true);
    expect(pending.take(Number(open.producerId)).map((o) => o.value.offset)).toEqual([33]);
  });
});
