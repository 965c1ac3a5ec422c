/**
 * EndTxn (key 26), v0–v5: commits or aborts the producer's transaction. Answers once the
 * decision (PrepareCommit/PrepareAbort) and the markers on every partition are durable,
 * so the producer's next transaction never overlaps them. A retried EndTxn after a lost
 * answer gets NONE; an EndTxn with nothing open gets INVALID_TXN_STATE.
 * Leaves out: transaction version 2 (KIP-890 part 2): no epoch bump per transaction —
 * v5 answers the unchanged producer id and epoch, as a TV1 coordinator does.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { ApiKey } from "../../protocol/messages/generated/apis.ts";
import { transactionsOf } from "../transactions/attach.ts";
import { defineHandler } from "./registry.ts";

export const endTxnHandler = defineHandler({
  apiKey: ApiKey.EndTxn,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, request) {
    const txns = transactionsOf(ctx.core);
    if (!txns) {
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
        producerId: -1n,
        producerEpoch: -1,
      };
    }
    const errorCode = await txns.coordinator.endTxn(
      request.transactionalId,
      Number(request.producerId),
      request.producerEpoch,
      request.committed,
      ctx.apiVersion,
    );
    const meta = txns.coordinator.get(request.transactionalId);
    return {
      throttleTimeMs: 0,
      errorCode,
      producerId: BigInt(meta?.producerId ?? -1),
      producerEpoch: meta?.producerEpoch ?? -1,
    };
  },
});
