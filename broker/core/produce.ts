/**
 * Appending one partition's share of a Produce request: validate the batches' headers and
 * CRCs (never the records), up-convert legacy message sets, stamp LogAppendTime, check
 * idempotent-producer sequences, then hand the bytes to the log, which assigns offsets.
 * Everything up to the `log.append` call runs synchronously, so two produces to the same
 * partition cannot interleave between the sequence check and the offset assignment.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import {
  CURRENT_MAGIC,
  RecordBatchHeader,
  scanBatches,
  validateBatch,
} from "../../protocol/records/batch-header.ts";
import { RecordsError } from "../../protocol/records/errors.ts";
import { upConvertMessageSet } from "../../protocol/records/legacy.ts";
import { validateRecordsForTopic } from "../../storage/compacted-validation.ts";
import type { Durability } from "../../storage/engine.ts";
import { isStorageError, kafkaErrorCodeOf } from "../../storage/errors.ts";
import type { PartitionState } from "./partition.ts";
import type { IncomingBatch } from "./producer-state.ts";

export interface PartitionAppendResult {
  errorCode: number;
  errorMessage: string | null;
  baseOffset: number;
  logAppendTimeMs: number;
  logStartOffset: number;
  recordErrors: { batchIndex: number; batchIndexErrorMessage: string | null }[];
}

function failed(
  errorCode: number,
  errorMessage: string,
  logStartOffset = -1,
  recordErrors: PartitionAppendResult["recordErrors"] = [],
): PartitionAppendResult {
  return {
    errorCode,
    errorMessage,
    baseOffset: -1,
    logAppendTimeMs: -1,
    logStartOffset,
    recordErrors,
  };
}

/**
 * KIP-890 verification: may a transactional batch of (producerId, epoch) land on this
 * partition? Answers ErrorCode.NONE, or why not (INVALID_TXN_STATE when the partition
 * was never added to the producer's open transaction, INVALID_PRODUCER_EPOCH, …).
 */
export type TxnVerifier = (
  producerId: number,
  producerEpoch: number,
  topic: string,
  partition: number,
) => number;

/** Maps a records-layer rejection to Kafka's answer for it. */
function batchError(reason: string): number {
  if (reason === "corrupt_crc") return ErrorCode.CORRUPT_MESSAGE;
  if (reason === "unsupported_codec") return ErrorCode.UNSUPPORTED_COMPRESSION_TYPE;
  return ErrorCode.CORRUPT_MESSAGE;
}

/**
 * Validates and appends. Returns synchronously-decided failures at once; the promise
 * resolves when the append reached `durability` (and the high watermark moved).
 */
export function appendToPartition(
  partition: PartitionState,
  raw: Uint8Array | null,
  durability: Durability,
  nowMs: number,
  /** The Produce version, for its format rules; null for the broker's own writes. */
  apiVersion: number | null = null,
  /** Transactional batches are checked against the coordinator; null: no coordinator. */
  verifyTxn: TxnVerifier | null = null,
): PartitionAppendResult | Promise<PartitionAppendResult> {
  const log = partition.log;
  if (log.isOffline()) return failed(ErrorCode.KAFKA_STORAGE_ERROR, "partition is offline");
  const logStart = log.logStartOffset() as number;
  if (raw === null || raw.length === 0) {
    return failed(ErrorCode.CORRUPT_MESSAGE, "no records", logStart);
  }
  const config = log.config();
  let records = raw;
  let scan: ReturnType<typeof scanBatches>;
  try {
    scan = scanBatches(records);
    if (scan.partial !== null) {
      return failed(ErrorCode.CORRUPT_MESSAGE, "truncated batch", logStart);
    }
    // As Kafka: from Produce v3 a partition's records are exactly one v2 batch.
    if (
      apiVersion !== null &&
      apiVersion >= 3 &&
      (scan.batches.length !== 1 || scan.batches[0]!.magic !== CURRENT_MAGIC)
    ) {
      return failed(
        ErrorCode.INVALID_RECORD,
        `Produce v${apiVersion} needs exactly one record batch of magic 2`,
        logStart,
      );
    }
    if (scan.batches.some((b) => b.magic < CURRENT_MAGIC)) {
      // Old producers (Produce v0–v2) send MessageSet v0/v1: stored as one v2 batch.
      if (scan.batches.some((b) => b.magic >= CURRENT_MAGIC)) {
        return failed(ErrorCode.CORRUPT_MESSAGE, "mixed message formats", logStart);
      }
      records = upConvertMessageSet(records);
      scan = scanBatches(records);
    }
  } catch (err) {
    if (err instanceof RecordsError) return failed(batchError(err.reason), err.message, logStart);
    throw err;
  }
  const logAppendTime = config.messageTimestampType === "LogAppendTime";
  const incoming: {
    batch: IncomingBatch;
    header: RecordBatchHeader;
    transactional: boolean;
  }[] = [];
  for (let i = 0; i < scan.batches.length; i++) {
    const span = scan.batches[i]!;
    if (span.size > config.maxMessageBytes) {
      return failed(
        ErrorCode.MESSAGE_TOO_LARGE,
        `batch of ${span.size} bytes exceeds max.message.bytes ${config.maxMessageBytes}`,
        logStart,
      );
    }
    const v = validateBatch(records, span.offset);
    if (!v.ok) {
      return failed(batchError(v.reason), v.message, logStart, [
        { batchIndex: i, batchIndexErrorMessage: v.message },
      ]);
    }
    const h = v.header;
    if (h.isControl) {
      return failed(
        ErrorCode.INVALID_RECORD,
        "control batches are written by the transaction coordinator only",
        logStart,
      );
    }
    if (h.isTransactional) {
      if (h.producerId < 0) {
        return failed(
          ErrorCode.INVALID_RECORD,
          "transactional batch without a producer id",
          logStart,
        );
      }
      const verdict =
        verifyTxn === null
          ? ErrorCode.NONE
          : verifyTxn(h.producerId, h.producerEpoch, partition.topic, partition.index);
      if (verdict !== ErrorCode.NONE) {
        return failed(
          verdict,
          `transactional batch of producer ${h.producerId} (epoch ${h.producerEpoch}) rejected: partition not in its open transaction or stale epoch`,
          logStart,
        );
      }
    }
    if (h.producerId >= 0) {
      incoming.push({
        transactional: h.isTransactional,
        header: h,
        batch: {
          producerId: h.producerId,
          epoch: h.producerEpoch,
          firstSeq: h.baseSequence,
          count: h.lastOffsetDelta + 1,
        },
      });
    }
  }
  // Compacted topics refuse keyless records (Kafka's check); decodes keys, so only there.
  const keyless = validateRecordsForTopic(records, config);
  if (keyless !== null) {
    return failed(kafkaErrorCodeOf(keyless.code), keyless.message, logStart, [
      { batchIndex: 0, batchIndexErrorMessage: keyless.message },
    ]);
  }
  // Idempotence: Kafka's producers send one batch per partition per request, so a
  // duplicate is a whole request's worth; anything else in doubt is refused.
  for (const { batch } of incoming) {
    const check = partition.producers.check(batch);
    if (check.kind === "invalid_epoch") {
      return failed(
        ErrorCode.INVALID_PRODUCER_EPOCH,
        `producer epoch ${batch.epoch} is older than ${check.currentEpoch}`,
        logStart,
      );
    }
    if (check.kind === "out_of_order") {
      return failed(
        ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
        `expected sequence ${check.expected}, got ${batch.firstSeq}`,
        logStart,
      );
    }
    if (check.kind === "duplicate") {
      if (scan.batches.length !== 1) {
        return failed(
          ErrorCode.DUPLICATE_SEQUENCE_NUMBER,
          "duplicate batch in a multi-batch request",
          logStart,
        );
      }
      return answerDuplicate(partition, check.firstOffset, check.lastOffset, durability);
    }
  }
  if (logAppendTime) {
    for (const span of scan.batches)
      new RecordBatchHeader(records, span.offset).setLogAppendTime(nowMs);
  }
  // Offsets the log is about to assign, known now because appends are assigned in call order.
  const firstOffset = log.logEndOffset() as number;
  let next = firstOffset;
  const incomingAt = new Map(incoming.map((x) => [x.header.offset, x]));
  let opened = false;
  const idempotentLastOffsets: number[] = [];
  for (const span of scan.batches) {
    const h = new RecordBatchHeader(records, span.offset);
    const x = incomingAt.get(span.offset);
    if (x) {
      opened ||= x.transactional;
      partition.producers.record(x.batch, next, h.maxTimestamp, x.transactional);
      idempotentLastOffsets.push(next + h.lastOffsetDelta);
    }
    next += h.lastOffsetDelta + 1;
  }
  if (opened) partition.noteUnstable();
  let appended: ReturnType<typeof log.append>;
  try {
    appended = log.append(records, {
      assignOffsets: true,
      leaderEpoch: partition.leaderEpoch,
      durability,
    });
  } catch (err) {
    return storageFailure(err, logStart);
  }
  partition.trackAppend(idempotentLastOffsets, appended);
  return appended.then(
    (result) => {
      partition.advanceHighWatermark((result.lastOffset as number) + 1);
      return {
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        baseOffset: result.firstOffset as number,
        logAppendTimeMs: logAppendTime ? nowMs : -1,
        logStartOffset: log.logStartOffset() as number,
        recordErrors: [],
      };
    },
    (err) => storageFailure(err, logStart),
  );
}

/**
 * A retried idempotent batch that is already in the log: answered with the original
 * offsets once the original write has settled and reached `durability` (as Kafka parks a
 * duplicate's acks=all response until the high watermark covers it). Answering at once
 * could acknowledge a write that a crash or a failed append then loses.
 */
async function answerDuplicate(
  partition: PartitionState,
  firstOffset: number,
  lastOffset: number,
  durability: Durability,
): Promise<PartitionAppendResult> {
  const log = partition.log;
  let written = true;
  try {
    await partition.unsettledAppend(lastOffset);
    if (!log.isOffline() && durability === "sync") await log.flush();
  } catch (err) {
    if (!isStorageError(err)) throw err;
    written = false;
  }
  if (!written || log.isOffline()) {
    return failed(
      ErrorCode.KAFKA_STORAGE_ERROR,
      "the original write of this batch failed",
      log.logStartOffset() as number,
    );
  }
  return {
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    baseOffset: firstOffset,
    logAppendTimeMs: -1,
    logStartOffset: log.logStartOffset() as number,
    recordErrors: [],
  };
}

function storageFailure(err: unknown, logStart: number): PartitionAppendResult {
  if (isStorageError(err)) return failed(kafkaErrorCodeOf(err.code), err.message, logStart);
  throw err;
}
