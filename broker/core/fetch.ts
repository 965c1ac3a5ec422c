/**
 * Reading for Fetch: per-partition reads bounded by partition and response byte budgets,
 * and the long poll that waits (on the injected Clock) until min_bytes are available, the
 * wait expires, or the partitions change.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { RecordBatchHeader, scanBatches } from "../../protocol/records/batch-header.ts";
import { RecordsError } from "../../protocol/records/errors.ts";
import { downConvertBatches } from "../../protocol/records/legacy.ts";
import { isStorageError, kafkaErrorCodeOf } from "../../storage/errors.ts";
import { toOffset } from "../../storage/offset.ts";
import type { BrokerCore } from "./broker-core.ts";
import { LEADER_EPOCH } from "./broker-core.ts";
import type { PartitionState } from "./partition.ts";

export interface FetchTarget {
  /** What the client calls the topic: its name (v0–12) or id (v13+). */
  topicKey: string;
  partitionIndex: number;
  fetchOffset: number;
  maxBytes: number;
  currentLeaderEpoch: number;
  /** Null when the topic or partition does not exist. */
  partition: PartitionState | null;
}

export interface PartitionRead {
  target: FetchTarget;
  errorCode: number;
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
  records: Uint8Array;
  /** read_committed: aborted transactions overlapping the returned batches. */
  abortedTransactions: { producerId: number; firstOffset: number }[];
}

const EMPTY = new Uint8Array(0);

export interface ReadOptions {
  /** Response-level byte budget (Fetch v3+ max_bytes). */
  maxBytes: number;
  /** Legacy magic for Fetch v0–v3 consumers, or null for v2 batches as stored. */
  downConvertTo: 0 | 1 | null;
  /** Error for a target whose topic is missing (UNKNOWN_TOPIC_ID for v13+). */
  unknownTopicCode: number;
  /** isolation_level 1: read below the last stable offset, with aborted transactions. */
  readCommitted: boolean;
}

async function readOne(
  t: FetchTarget,
  budget: number,
  minOne: boolean,
  options: ReadOptions,
): Promise<PartitionRead> {
  const p = t.partition;
  const base = {
    target: t,
    highWatermark: -1,
    lastStableOffset: -1,
    logStartOffset: -1,
    records: EMPTY,
    abortedTransactions: [],
  };
  if (!p) return { ...base, errorCode: options.unknownTopicCode };
  const log = p.log;
  const hw = log.highWatermark() as number;
  const logStart = log.logStartOffset() as number;
  const lso = p.lastStableOffset();
  const known = { ...base, highWatermark: hw, lastStableOffset: lso, logStartOffset: logStart };
  const upTo = options.readCommitted ? lso : hw;
  if (t.currentLeaderEpoch > LEADER_EPOCH)
    return { ...known, errorCode: ErrorCode.UNKNOWN_LEADER_EPOCH };
  if (t.currentLeaderEpoch >= 0 && t.currentLeaderEpoch < LEADER_EPOCH) {
    return { ...known, errorCode: ErrorCode.FENCED_LEADER_EPOCH };
  }
  if (log.isOffline()) return { ...known, errorCode: ErrorCode.KAFKA_STORAGE_ERROR };
  if (t.fetchOffset < logStart || t.fetchOffset > (log.logEndOffset() as number)) {
    return { ...known, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE };
  }
  const limit = Math.min(t.maxBytes, budget);
  if (t.fetchOffset >= upTo || (limit <= 0 && !minOne))
    return { ...known, errorCode: ErrorCode.NONE };
  try {
    const { records } = await log.read(toOffset(t.fetchOffset), Math.max(0, limit), {
      maxOffset: toOffset(upTo),
      minOneBatch: minOne,
    });
    const abortedTransactions =
      options.readCommitted && records.length > 0 ? abortedIn(p, t.fetchOffset, upTo, records) : [];
    const out =
      options.downConvertTo === null
        ? records
        : downConvertBatches(records, { magic: options.downConvertTo });
    return { ...known, errorCode: ErrorCode.NONE, records: out, abortedTransactions };
  } catch (err) {
    if (isStorageError(err)) return { ...known, errorCode: kafkaErrorCodeOf(err.code) };
    if (err instanceof RecordsError) {
      return {
        ...known,
        errorCode:
          err.reason === "unsupported_codec"
            ? ErrorCode.UNSUPPORTED_COMPRESSION_TYPE
            : ErrorCode.CORRUPT_MESSAGE,
      };
    }
    throw err;
  }
}

/**
 * Aborted transactions overlapping the returned batches (Kafka's collectAbortedTxns up to
 * the offset after the last batch). The batch walk runs only when some abort overlaps the
 * whole readable range, which is rare.
 */
function abortedIn(
  p: PartitionState,
  fetchOffset: number,
  upTo: number,
  records: Uint8Array,
): { producerId: number; firstOffset: number }[] {
  const wide = p.log.abortedTransactions(toOffset(fetchOffset), toOffset(upTo));
  if (wide.length === 0) return [];
  const end = endOf(records);
  return wide
    .filter((a) => (a.firstOffset as number) < end)
    .map((a) => ({ producerId: a.producerId, firstOffset: a.firstOffset as number }));
}

/** The offset after the last whole batch in `records`. */
function endOf(records: Uint8Array): number {
  const spans = scanBatches(records).batches;
  const last = spans[spans.length - 1];
  return last ? new RecordBatchHeader(records, last.offset).nextOffset : 0;
}

/** One pass over the targets, sharing the response byte budget in order. */
export async function readTargets(
  targets: readonly FetchTarget[],
  options: ReadOptions,
): Promise<PartitionRead[]> {
  const out: PartitionRead[] = [];
  let budget = options.maxBytes;
  let gotData = false;
  for (const t of targets) {
    // KIP-74: the first partition with data returns a whole batch even past the limits.
    const r = await readOne(t, budget, !gotData, options);
    if (r.records.length > 0) gotData = true;
    budget -= r.records.length;
    out.push(r);
  }
  return out;
}

/**
 * Resolves when any of `partitions` gets new data, after `timeoutMs`, or at once when
 * `timeoutMs` ≤ 0 or a high watermark already moved past `seen` (an append that landed
 * between the read and this call must not cost a whole max_wait_ms). Never rejects.
 */
export function waitForData(
  core: BrokerCore,
  partitions: readonly { partition: PartitionState; seenHighWatermark: number }[],
  timeoutMs: number,
): Promise<void> {
  if (timeoutMs <= 0 || core.isClosing) return Promise.resolve();
  if (partitions.some((p) => (p.partition.log.highWatermark() as number) !== p.seenHighWatermark)) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const cancels: (() => void)[] = [];
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      timer.cancel();
      for (const c of cancels) c();
      resolve();
    };
    const timer = core.clock.setTimer(timeoutMs, finish);
    for (const p of partitions) cancels.push(p.partition.onData(finish));
  });
}
