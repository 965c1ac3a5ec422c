/**
 * DescribeTransactions (key 65), v0 (KIP-664): state, producer id/epoch, timeout, start
 * time and partitions of each transactional id. Unknown ids →
 * TRANSACTIONAL_ID_NOT_FOUND. Leaves out: authorization (no ACLs yet).
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { ApiKey } from "../../protocol/messages/generated/apis.ts";
import { transactionsOf } from "../transactions/attach.ts";
import { TXN_STATUS_NAMES } from "../transactions/records.ts";
import { defineHandler } from "./registry.ts";

export const describeTransactionsHandler = defineHandler({
  apiKey: ApiKey.DescribeTransactions,
  minVersion: 0,
  maxVersion: 0,
  handle(ctx, request) {
    const txns = transactionsOf(ctx.core);
    return {
      throttleTimeMs: 0,
      transactionStates: request.transactionalIds.map((id) => {
        const empty = {
          transactionalId: id,
          transactionState: "",
          transactionTimeoutMs: 0,
          transactionStartTimeMs: -1n,
          producerId: -1n,
          producerEpoch: -1,
          topics: [],
        };
        if (!txns) return { ...empty, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
        const m = txns.coordinator.get(id);
        if (!m || m.producerId < 0)
          return { ...empty, errorCode: ErrorCode.TRANSACTIONAL_ID_NOT_FOUND };
        return {
          errorCode: ErrorCode.NONE,
          transactionalId: id,
          transactionState: TXN_STATUS_NAMES[m.status],
          transactionTimeoutMs: m.timeoutMs,
          transactionStartTimeMs: BigInt(m.startMs),
          producerId: BigInt(m.producerId),
          producerEpoch: m.producerEpoch,
          topics: [...m.partitions]
            .filter(([, ps]) => ps.size > 0)
            .map(([topic, ps]) => ({ topic, partitions: [...ps].sort((a, b) => a - b) })),
        };
      }),
    };
  },
});
