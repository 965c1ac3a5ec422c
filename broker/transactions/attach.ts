/**
 * Wiring between the broker core and its transaction coordinator: built at start-up after
 * the group coordinator (transactional offsets go through it) and before the listener;
 * found by handlers through `transactionsOf(ctx.core)`. A core without one answers the
 * transactional APIs with COORDINATOR_NOT_AVAILABLE.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import type { BrokerCore } from "../core/broker-core.ts";
import { groupCoordinatorOf } from "../groups/attach.ts";
import type { FetchedGroup } from "../groups/coordinator.ts";
import type { Logger } from "../logger.ts";
import { TransactionCoordinator } from "./coordinator.ts";
import { CoreTxnStateLog } from "./txn-log.ts";
import { applyPendingOffsets, PendingTxnOffsets } from "./txn-offsets.ts";

export interface Transactions {
  coordinator: TransactionCoordinator;
  offsets: PendingTxnOffsets;
}

const attached = new WeakMap<BrokerCore, Transactions>();

export function transactionsOf(core: BrokerCore): Transactions | undefined {
  return attached.get(core);
}

/**
 * Opens (creating if needed) `__transaction_state`, reloads it and the pending
 * transactional offsets, finishes transactions a crash left half-ended, then starts
 * verifying transactional produces and the timeout sweep.
 */
export async function startTransactionCoordinator(
  core: BrokerCore,
  logger: Logger,
): Promise<Transactions> {
  const log = await CoreTxnStateLog.open(core);
  const coordinator = new TransactionCoordinator({
    core,
    log,
    logger: logger.child({ component: "transactions" }),
    maxTimeoutMs: core.config.transaction_max_timeout_ms,
  });
  const offsets = new PendingTxnOffsets();
  const pendingOffsets = await offsets.load(core);
  coordinator.onCompletion((producerId, commit) => {
    applyPendingOffsets(groupCoordinatorOf(core), offsets, producerId, commit, core.clock.nowMs());
  });
  const counts = await coordinator.load();
  logger.info("transaction coordinator loaded", {
    transactional_ids: counts.transactionalIds,
    completed_at_start: counts.completed,
    pending_offset_producers: pendingOffsets,
  });
  core.txnVerifier = (pid, epoch, topic, partition) =>
    coordinator.verify(pid, epoch, topic, partition);
  coordinator.start();
  const transactions = { coordinator, offsets };
  attached.set(core, transactions);
  return transactions;
}

export function stopTransactionCoordinator(core: BrokerCore): void {
  attached.get(core)?.coordinator.stop();
  attached.delete(core);
  core.txnVerifier = null;
}

/**
 * OffsetFetch require_stable (KIP-447): partitions with an undecided transactional commit
 * answer UNSTABLE_OFFSET_COMMIT (the consumer retries) instead of a stale offset.
 */
export function markUnstable(core: BrokerCore, group: string, fetched: FetchedGroup): FetchedGroup {
  const pending = attached.get(core)?.offsets;
  if (!pending || pending.size === 0) return fetched;
  for (const t of fetched.topics) {
    for (const p of t.partitions) {
      if (pending.isPending(group, t.name, p.partition)) {
        p.errorCode = ErrorCode.UNSTABLE_OFFSET_COMMIT;
        p.offset = -1;
      }
    }
  }
  return fetched;
}
