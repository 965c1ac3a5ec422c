/**
 * Building and decoding whole RecordBatch v2 payloads (records included). The broker's
 * hot path needs only batch-header.ts; this is for clients, tests, compaction and
 * format conversion.
 */

import { CompressionCodec, type CompressionCodecId } from "../compression/codec-id.ts";
import { compress, decompress } from "../compression/index.ts";
import type { DecompressOptions } from "../compression/limits.ts";
import {
  ATTR_CONTROL,
  ATTR_TIMESTAMP_TYPE,
  ATTR_TRANSACTIONAL,
  assertValidBatch,
  BATCH_OFFSETS,
  CURRENT_MAGIC,
  LOG_OVERHEAD,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  RECORD_BATCH_HEADER_SIZE,
  RecordBatchHeader,
  TimestampType,
  type TimestampTypeId,
  type ValidateOptions,
} from "./batch-header.ts";
import { crc32c } from "./crc32c.ts";
import { RecordsError } from "./errors.ts";
import { viewOf, writeInt64 } from "./int64.ts";
import {
  type DecodedRecord,
  RecordCursor,
  type RecordInput,
  sizeOfRecord,
  sizeOfRecordBody,
  writeRecord,
} from "./record.ts";

export interface BuildBatchOptions {
  baseOffset?: number;
  partitionLeaderEpoch?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  transactional?: boolean;
  isControl?: boolean;
  timestampType?: TimestampTypeId;
  compression?: CompressionCodecId;
  compressionLevel?: number;
  /**
   * Overrides lastOffsetDelta (default: the last record's offsetDelta). Compaction keeps
   * a batch's offset range after dropping records, even down to zero records.
   */
  lastOffsetDelta?: number;
  /** Base timestamp for an empty batch (default -1); otherwise the first record's. */
  baseTimestamp?: number;
  records: readonly RecordInput[];
}

/** Builds one RecordBatch v2, CRC included. */
export function buildRecordBatch(options: BuildBatchOptions): Uint8Array {
  const records = options.records;
  const first = records[0];
  const baseTimestamp = first ? first.timestamp : (options.baseTimestamp ?? -1);
  let maxTimestamp = first ? first.timestamp : baseTimestamp;
  const bodySizes = new Int32Array(records.length);
  let sectionSize = 0;
  let previousDelta = -1;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const offsetDelta = r.offsetDelta ?? i;
    if (offsetDelta <= previousDelta) {
      throw new RecordsError("bad_length", `offsetDelta ${offsetDelta} after ${previousDelta}`);
    }
    previousDelta = offsetDelta;
    if (r.timestamp > maxTimestamp) maxTimestamp = r.timestamp;
    const body = sizeOfRecordBody(r, offsetDelta, r.timestamp - baseTimestamp);
    bodySizes[i] = body;
    sectionSize += sizeOfRecord(body);
  }
  const lastOffsetDelta = options.lastOffsetDelta ?? previousDelta;
  if (lastOffsetDelta < previousDelta) {
    throw new RecordsError("bad_length", `lastOffsetDelta ${lastOffsetDelta} < ${previousDelta}`);
  }
  const codec = options.compression ?? CompressionCodec.none;

  let section: Uint8Array = new Uint8Array(sectionSize);
  let p = 0;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    p = writeRecord(section, p, r, bodySizes[i]!, r.offsetDelta ?? i, r.timestamp - baseTimestamp);
  }
  if (codec !== CompressionCodec.none) {
    const level = options.compressionLevel;
    section = compress(codec, section, level === undefined ? {} : { level });
  }

  const out = new Uint8Array(RECORD_BATCH_HEADER_SIZE + section.length);
  const view = viewOf(out);
  writeInt64(view, BATCH_OFFSETS.baseOffset, options.baseOffset ?? 0, "baseOffset");
  view.setInt32(BATCH_OFFSETS.batchLength, out.length - LOG_OVERHEAD);
  view.setInt32(
    BATCH_OFFSETS.partitionLeaderEpoch,
    options.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH,
  );
  view.setInt8(BATCH_OFFSETS.magic, CURRENT_MAGIC);
  let attributes = codec;
  if (options.timestampType === TimestampType.logAppendTime) attributes |= ATTR_TIMESTAMP_TYPE;
  if (options.transactional) attributes |= ATTR_TRANSACTIONAL;
  if (options.isControl) attributes |= ATTR_CONTROL;
  view.setInt16(BATCH_OFFSETS.attributes, attributes);
  view.setInt32(BATCH_OFFSETS.lastOffsetDelta, lastOffsetDelta);
  writeInt64(view, BATCH_OFFSETS.baseTimestamp, baseTimestamp, "baseTimestamp");
  writeInt64(view, BATCH_OFFSETS.maxTimestamp, maxTimestamp, "maxTimestamp");
  writeInt64(view, BATCH_OFFSETS.producerId, options.producerId ?? NO_PRODUCER_ID, "producerId");
  view.setInt16(BATCH_OFFSETS.producerEpoch, options.producerEpoch ?? NO_PRODUCER_EPOCH);
  view.setInt32(BATCH_OFFSETS.baseSequence, options.baseSequence ?? NO_SEQUENCE);
  view.setInt32(BATCH_OFFSETS.recordsCount, records.length);
  out.set(section, RECORD_BATCH_HEADER_SIZE);
  view.setUint32(BATCH_OFFSETS.crc, crc32c(out, BATCH_OFFSETS.attributes));
  return out;
}

export interface DecodeBatchOptions extends DecompressOptions {
  /** Validation applied before decoding; contiguous defaults to false here (compacted data). */
  validate?: ValidateOptions;
}

/**
 * The records section of the batch at `buf[offset]` (a view, or the decompressed bytes)
 * after validating the header and CRC: for readers that scan it whole (scanRecords).
 */
export function openRecordsSection(
  buf: Uint8Array,
  offset = 0,
  options: DecodeBatchOptions = {},
): { header: RecordBatchHeader; section: Uint8Array; size: number } {
  const header = assertValidBatch(buf, offset, { contiguous: false, ...options.validate });
  const size = header.sizeInBytes;
  const raw = buf.subarray(offset + RECORD_BATCH_HEADER_SIZE, offset + size);
  const section = header.compression === 0 ? raw : decompress(header.compression, raw, options);
  return { header, section, size };
}

/**
 * Returns a cursor over the records of the batch at `buf[offset]` after validating the
 * header and CRC and decompressing if needed. Records are read lazily, in place.
 */
export function openRecordBatch(
  buf: Uint8Array,
  offset = 0,
  options: DecodeBatchOptions = {},
): { header: RecordBatchHeader; cursor: RecordCursor; size: number } {
  const { header, section, size } = openRecordsSection(buf, offset, options);
  const cursor = new RecordCursor(section, {
    count: header.recordCount,
    baseOffset: header.baseOffset,
    baseTimestamp: header.baseTimestamp,
    logAppendTime:
      header.timestampType === TimestampType.logAppendTime ? header.maxTimestamp : null,
  });
  return { header, cursor, size };
}

export interface DecodedBatch {
  header: RecordBatchHeader;
  records: DecodedRecord[];
  /** Bytes the batch occupies in `buf`. */
  size: number;
}

/** Decodes the batch at `buf[offset]` with all its records. */
export function decodeRecordBatch(
  buf: Uint8Array,
  offset = 0,
  options: DecodeBatchOptions = {},
): DecodedBatch {
  const { header, cursor, size } = openRecordBatch(buf, offset, options);
  const records: DecodedRecord[] = [];
  while (cursor.next()) records.push(cursor.toRecord());
  return { header, records, size };
}

/** Lazily yields the records of the batch at `buf[offset]`. */
export function* iterateRecords(
  buf: Uint8Array,
  offset = 0,
  options: DecodeBatchOptions = {},
): Generator<DecodedRecord, void, undefined> {
  const { cursor } = openRecordBatch(buf, offset, options);
  while (cursor.next()) yield cursor.toRecord();
}

/** Returns a header view after checking the batch is fully present. */
export function batchHeaderAt(buf: Uint8Array, offset: number): RecordBatchHeader {
  const header = new RecordBatchHeader(buf, offset);
  if (offset + header.sizeInBytes > buf.length) {
    throw new RecordsError("truncated", "record batch runs past buffer");
  }
  return header;
}
