/**
 * Replaying a coordinator topic that holds transactional batches (`__consumer_offsets`
 * with TxnOffsetCommit records): a transactional batch's records count only once a
 * COMMIT marker of the same producer follows; an ABORT drops them; with no marker yet
 * they are still pending (broker/transactions/txn-offsets.ts tracks those).
 */
import type { DecodedBatch } from "../../protocol/records/batch.ts";
import { ControlType, parseControlRecord } from "../../protocol/records/control.ts";

export interface HeldRecord {
  key: Uint8Array;
  value: Uint8Array | null;
}

/**
 * Call for every transactional or control batch, in log order; `held` lives for one
 * partition's replay. Records released by a COMMIT go to `onRecord` in their log order.
 */
export function replayTransactionalBatch(
  batch: DecodedBatch,
  fromOffset: number,
  held: Map<number, HeldRecord[]>,
  onRecord: (key: Uint8Array, value: Uint8Array | null) => void,
): void {
  const pid = batch.header.producerId;
  if (batch.header.isControl) {
    const first = batch.records[0];
    const records = held.get(pid);
    held.delete(pid);
    if (!first || !records) return;
    if (parseControlRecord(first.key, first.value).type !== ControlType.commit) return;
    for (const r of records) onRecord(r.key, r.value);
    return;
  }
  let list = held.get(pid);
  if (!list) {
    list = [];
    held.set(pid, list);
  }
  for (const r of batch.records) {
    if (r.offset < fromOffset || r.key === null) continue;
    list.push({ key: r.key, value: r.value });
  }
}
