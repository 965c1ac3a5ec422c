/**
 * ListTransactions (key 66), v0–v1 (KIP-664, KIP-994): every transactional id with its
 * producer id and state, filtered by state names (unknown names are echoed back in
 * unknown_state_filters), producer ids, and (v1) a minimum running duration.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { ApiKey } from "../../protocol/messages/generated/apis.ts";
import { transactionsOf } from "../transactions/attach.ts";
import { TXN_STATUS_NAMES, TxnStatus } from "../transactions/records.ts";
import { defineHandler } from "./registry.ts";

const KNOWN_STATES = new Set(Object.values(TXN_STATUS_NAMES));

export const listTransactionsHandler = defineHandler({
  apiKey: ApiKey.ListTransactions,
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, request) {
    const txns = transactionsOf(ctx.core);
    if (!txns) {
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
        unknownStateFilters: [],
        transactionStates: [],
      };
    }
    const states = new Set(request.stateFilters);
    const pids = new Set(request.producerIdFilters.map((p) => Number(p)));
    const minDuration = ctx.apiVersion >= 1 ? Number(request.durationFilter) : -1;
    const now = ctx.core.clock.nowMs();
    const transactionStates = [];
    for (const m of txns.coordinator.all()) {
      if (m.producerId < 0) continue;
      const name = TXN_STATUS_NAMES[m.status];
      if (states.size > 0 && !states.has(name)) continue;
      if (pids.size > 0 && !pids.has(m.producerId)) continue;
      if (minDuration >= 0) {
        const open = m.status === TxnStatus.Ongoing && m.startMs >= 0;
        if (!open || now - m.startMs < minDuration) continue;
      }
      transactionStates.push({
        transactionalId: m.transactionalId,
        producerId: BigInt(m.producerId),
        transactionState: name,
      });
    }
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      unknownStateFilters: request.stateFilters.filter((s) => !KNOWN_STATES.has(s)),
      transactionStates,
    };
  },
});
