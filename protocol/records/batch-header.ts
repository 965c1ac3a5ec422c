/**
 * RecordBatch v2 header: layout, a zero-copy view, in-place rewrites and validation.
 *
 * This is what the broker touches on the produce/fetch hot path (DESIGN.md rule 2): it
 * reads and rewrites the 61-byte header and checks the CRC, never decoding records. The
 * storage layer imports it to find batch boundaries and offsets in stored bytes.
 *
 * Layout (big-endian):
 *   baseOffset int64 @0 | batchLength int32 @8 (bytes after this field) |
 *   partitionLeaderEpoch int32 @12 | magic int8 @16 | crc uint32 @17 (CRC-32C of
 *   attributes..end) | attributes int16 @21 | lastOffsetDelta int32 @23 |
 *   baseTimestamp int64 @27 | maxTimestamp int64 @35 | producerId int64 @43 |
 *   producerEpoch int16 @51 | baseSequence int32 @53 | recordsCount int32 @57 | records @61
 * baseOffset, batchLength and partitionLeaderEpoch sit before the CRC'd range on purpose,
 * so the broker can assign offsets and epochs without recomputing the checksum.
 */

import { type CompressionCodecId, isCompressionCodecId } from "../compression/codec-id.ts";
import { crc32c } from "./crc32c.ts";
import { RecordsError, type RecordsErrorReason } from "./errors.ts";
import { readInt64, viewOf, writeInt64 } from "./int64.ts";

export const BATCH_OFFSETS = {
  baseOffset: 0,
  batchLength: 8,
  partitionLeaderEpoch: 12,
  magic: 16,
  crc: 17,
  attributes: 21,
  lastOffsetDelta: 23,
  baseTimestamp: 27,
  maxTimestamp: 35,
  producerId: 43,
  producerEpoch: 51,
  baseSequence: 53,
  recordsCount: 57,
  records: 61,
} as const;

/** Size of the v2 header including baseOffset and batchLength. */
export const RECORD_BATCH_HEADER_SIZE = 61;
/** baseOffset + batchLength: bytes not counted by batchLength (same for legacy messages). */
export const LOG_OVERHEAD = 12;
/** Smallest legal batchLength: a header with no records. */
export const MIN_BATCH_LENGTH = RECORD_BATCH_HEADER_SIZE - LOG_OVERHEAD;
/** Smallest encoded record (length prefix + 6 one-byte fields), bounds record counts. */
export const MIN_RECORD_SIZE = 7;
export const CURRENT_MAGIC = 2;

/** Attribute bits (KIP-98 for transactional/control, KIP-534 for the delete horizon). */
export const ATTR_COMPRESSION_MASK = 0x07;
export const ATTR_TIMESTAMP_TYPE = 0x08;
export const ATTR_TRANSACTIONAL = 0x10;
export const ATTR_CONTROL = 0x20;
export const ATTR_DELETE_HORIZON = 0x40;

export const TimestampType = { createTime: 0, logAppendTime: 1 } as const;
export type TimestampTypeId = (typeof TimestampType)[keyof typeof TimestampType];

/** Kafka's "no producer id / epoch / sequence" and "no partition leader epoch" sentinels. */
export const NO_PRODUCER_ID = -1;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_PARTITION_LEADER_EPOCH = -1;
export const NO_TIMESTAMP = -1;

/**
 * Zero-copy view of one v2 batch header at `buf[offset]`. Getters read the bytes each
 * time, so a rewrite through the view (or elsewhere) is seen at once. Construction only
 * checks that 61 bytes are present; call validateBatch before trusting the contents.
 */
export class RecordBatchHeader {
  readonly buf: Uint8Array;
  readonly offset: number;
  private readonly view: DataView;

  constructor(buf: Uint8Array, offset = 0) {
    if (offset < 0 || buf.length - offset < RECORD_BATCH_HEADER_SIZE) {
      throw new RecordsError(
        "truncated",
        `record batch header needs ${RECORD_BATCH_HEADER_SIZE} bytes at ${offset}, buffer has ${buf.length}`,
      );
    }
    this.buf = buf;
    this.offset = offset;
    this.view = viewOf(buf);
  }

  get baseOffset(): number {
    return readInt64(this.view, this.offset, "baseOffset");
  }
  get batchLength(): number {
    return this.view.getInt32(this.offset + BATCH_OFFSETS.batchLength);
  }
  /** Whole batch size in bytes, baseOffset and batchLength included. */
  get sizeInBytes(): number {
    return LOG_OVERHEAD + this.batchLength;
  }
  get partitionLeaderEpoch(): number {
    return this.view.getInt32(this.offset + BATCH_OFFSETS.partitionLeaderEpoch);
  }
  get magic(): number {
    return this.view.getInt8(this.offset + BATCH_OFFSETS.magic);
  }
  get crc(): number {
    return this.view.getUint32(this.offset + BATCH_OFFSETS.crc);
  }
  get attributes(): number {
    return this.view.getInt16(this.offset + BATCH_OFFSETS.attributes);
  }
  /** Raw codec id (0..7); values above 4 are rejected by validateBatch/decoders. */
  get compression(): number {
    return this.attributes & ATTR_COMPRESSION_MASK;
  }
  get timestampType(): TimestampTypeId {
    return this.attributes & ATTR_TIMESTAMP_TYPE ? 1 : 0;
  }
  get isTransactional(): boolean {
    return (this.attributes & ATTR_TRANSACTIONAL) !== 0;
  }
  get isControl(): boolean {
    return (this.attributes & ATTR_CONTROL) !== 0;
  }
  get hasDeleteHorizon(): boolean {
    return (this.attributes & ATTR_DELETE_HORIZON) !== 0;
  }
  get lastOffsetDelta(): number {
    return this.view.getInt32(this.offset + BATCH_OFFSETS.lastOffsetDelta);
  }
  /** Offset of the last record: baseOffset + lastOffsetDelta. */
  get lastOffset(): number {
    return this.baseOffset + this.lastOffsetDelta;
  }
  /** Offset after this batch, where the next one starts. */
  get nextOffset(): number {
    return this.lastOffset + 1;
  }
  get baseTimestamp(): number {
    return readInt64(this.view, this.offset + BATCH_OFFSETS.baseTimestamp, "baseTimestamp");
  }
  get maxTimestamp(): number {
    return readInt64(this.view, this.offset + BATCH_OFFSETS.maxTimestamp, "maxTimestamp");
  }
  get producerId(): number {
    return readInt64(this.view, this.offset + BATCH_OFFSETS.producerId, "producerId");
  }
  get producerEpoch(): number {
    return this.view.getInt16(this.offset + BATCH_OFFSETS.producerEpoch);
  }
  get baseSequence(): number {
    return this.view.getInt32(this.offset + BATCH_OFFSETS.baseSequence);
  }
  /** Last sequence number; wraps past int32 max to 0 like Kafka's incrementSequence. */
  get lastSequence(): number {
    const base = this.baseSequence;
    if (base === NO_SEQUENCE) return NO_SEQUENCE;
    const delta = this.lastOffsetDelta;
    if (base > 0x7fffffff - delta) return delta - (0x7fffffff - base) - 1;
    return base + delta;
  }
  get recordCount(): number {
    return this.view.getInt32(this.offset + BATCH_OFFSETS.recordsCount);
  }

  /** CRC-32C of attributes..end as it should be stored. Needs the whole batch present. */
  computeCrc(): number {
    const end = this.offset + this.sizeInBytes;
    if (end > this.buf.length) throw new RecordsError("truncated", "record batch runs past buffer");
    return crc32c(this.buf, this.offset + BATCH_OFFSETS.attributes, end);
  }

  /** Assigns the batch's first offset; outside the CRC, so no checksum work. */
  setBaseOffset(baseOffset: number): void {
    writeInt64(this.view, this.offset, baseOffset, "baseOffset");
  }

  /** Stamps the leader epoch (KIP-101); outside the CRC. */
  setPartitionLeaderEpoch(epoch: number): void {
    this.view.setInt32(this.offset + BATCH_OFFSETS.partitionLeaderEpoch, epoch);
  }

  /**
   * Sets the timestamp type and max timestamp, then recomputes the CRC, mirroring Kafka's
   * DefaultRecordBatch.setMaxTimestamp: used when a topic has LogAppendTime, where the
   * broker's clock replaces producer timestamps without touching the records.
   */
  setMaxTimestamp(timestampType: TimestampTypeId, maxTimestamp: number): void {
    const attrs = this.attributes;
    const nextAttrs =
      timestampType === 1 ? attrs | ATTR_TIMESTAMP_TYPE : attrs & ~ATTR_TIMESTAMP_TYPE;
    if (nextAttrs === attrs && this.maxTimestamp === maxTimestamp) return;
    this.view.setInt16(this.offset + BATCH_OFFSETS.attributes, nextAttrs);
    writeInt64(this.view, this.offset + BATCH_OFFSETS.maxTimestamp, maxTimestamp, "maxTimestamp");
    this.view.setUint32(this.offset + BATCH_OFFSETS.crc, this.computeCrc());
  }

  /** LogAppendTime stamping: `setMaxTimestamp(logAppendTime, nowMs)`. */
  setLogAppendTime(nowMs: number): void {
    this.setMaxTimestamp(TimestampType.logAppendTime, nowMs);
  }
}

/** Records the broker's own assignment of a batch's offsets (convenience over the view). */
export function setBaseOffset(buf: Uint8Array, offset: number, baseOffset: number): void {
  new RecordBatchHeader(buf, offset).setBaseOffset(baseOffset);
}

export interface ValidateOptions {
  /**
   * Require lastOffsetDelta === recordCount - 1 and recordCount ≥ 1, as Kafka does for
   * batches from producers. Batches that went through compaction (replication, storage)
   * may have gaps or be empty: pass false to accept lastOffsetDelta ≥ recordCount - 1.
   * Default true.
   */
  contiguous?: boolean;
  /** Reject batches larger than this many bytes (message.max.bytes). Default: no limit. */
  maxBatchBytes?: number;
}

export type BatchValidation =
  | { ok: true; size: number; header: RecordBatchHeader; compression: CompressionCodecId }
  | { ok: false; reason: RecordsErrorReason; message: string };

function invalid(reason: RecordsErrorReason, message: string): BatchValidation {
  return { ok: false, reason, message };
}

/**
 * Checks the v2 batch at `buf[offset]` without decoding its records: length sane and
 * within the buffer, magic 2, CRC matches, codec known, record count and lastOffsetDelta
 * consistent, int64 fields safe. Never throws for bad bytes; reports why instead.
 */
export function validateBatch(
  buf: Uint8Array,
  offset: number,
  options: ValidateOptions = {},
): BatchValidation {
  const remaining = buf.length - offset;
  if (offset < 0 || remaining < LOG_OVERHEAD) return invalid("truncated", "no batch length");
  const view = viewOf(buf);
  const batchLength = view.getInt32(offset + BATCH_OFFSETS.batchLength);
  if (batchLength < MIN_BATCH_LENGTH) {
    return invalid("bad_length", `batchLength ${batchLength} below minimum ${MIN_BATCH_LENGTH}`);
  }
  const size = LOG_OVERHEAD + batchLength;
  if (options.maxBatchBytes !== undefined && size > options.maxBatchBytes) {
    return invalid("bad_length", `batch of ${size} bytes exceeds limit ${options.maxBatchBytes}`);
  }
  if (size > remaining) return invalid("truncated", `batch of ${size} bytes, ${remaining} left`);
  const header = new RecordBatchHeader(buf, offset);
  if (header.magic !== CURRENT_MAGIC) return invalid("bad_magic", `magic ${header.magic}`);
  const crc = header.computeCrc();
  if (crc !== header.crc) {
    return invalid("corrupt_crc", `stored crc ${header.crc}, computed ${crc}`);
  }
  const codec = header.compression;
  if (!isCompressionCodecId(codec)) return invalid("unsupported_codec", `codec id ${codec}`);
  const count = header.recordCount;
  const delta = header.lastOffsetDelta;
  if (count < 0) return invalid("bad_length", `record count ${count}`);
  if (codec === 0 && count * MIN_RECORD_SIZE > batchLength - MIN_BATCH_LENGTH) {
    return invalid("bad_length", `record count ${count} cannot fit in ${batchLength} bytes`);
  }
  if (options.contiguous ?? true) {
    if (count < 1 || delta !== count - 1) {
      return invalid("bad_length", `lastOffsetDelta ${delta} with ${count} records`);
    }
  } else if (delta < count - 1 || delta < -1) {
    return invalid("bad_length", `lastOffsetDelta ${delta} with ${count} records`);
  }
  for (const field of [0, BATCH_OFFSETS.baseTimestamp, BATCH_OFFSETS.maxTimestamp] as const) {
    const v = view.getInt32(offset + field) * 0x1_0000_0000 + view.getUint32(offset + field + 4);
    if (!Number.isSafeInteger(v)) return invalid("unsafe_int64", `int64 at +${field}`);
  }
  const pid = view.getInt32(offset + BATCH_OFFSETS.producerId);
  if (pid >= 0x200000 || pid < -0x200000) return invalid("unsafe_int64", "producerId");
  if (!Number.isSafeInteger(header.baseOffset + delta)) {
    return invalid("unsafe_int64", "last offset");
  }
  return { ok: true, size, header, compression: codec };
}

/** Validates and throws the typed error on failure; returns the header view. */
export function assertValidBatch(
  buf: Uint8Array,
  offset: number,
  options: ValidateOptions = {},
): RecordBatchHeader {
  const result = validateBatch(buf, offset, options);
  if (!result.ok) throw new RecordsError(result.reason, result.message);
  return result.header;
}

/** Where one whole batch (or legacy message entry) sits in a records blob. */
export interface BatchSpan {
  offset: number;
  size: number;
  magic: number;
}

/** A records blob split into whole entries plus, possibly, a truncated tail. */
export interface BatchScan {
  batches: BatchSpan[];
  /**
   * The incomplete entry at the end, if any. Fetch responses may stop mid-batch
   * (max_bytes); consumers ignore such a tail, so it is reported rather than rejected.
   */
  partial: { offset: number; size: number } | null;
}

/**
 * Smallest legal length field of any entry: a magic-0 message (crc 4, magic 1,
 * attributes 1, key length 4, value length 4). v1 and v2 entries are larger.
 */
const MIN_ENTRY_LENGTH = 14;

/**
 * Splits `buf[start, end)` into whole entries using only the 12-byte log overhead, which
 * is common to RecordBatch v2 and legacy MessageSet v0/v1 (both have the magic at +16).
 * Does not validate contents. Throws RecordsError("bad_length") for a length field that
 * no entry can have, since nothing after it can be located.
 */
export function scanBatches(buf: Uint8Array, start = 0, end = buf.length): BatchScan {
  if (start < 0 || end > buf.length || start > end) {
    throw new RecordsError("bad_length", `scan range [${start}, ${end}) outside buffer`);
  }
  const view = viewOf(buf);
  const batches: BatchSpan[] = [];
  let pos = start;
  while (pos < end) {
    const left = end - pos;
    if (left < LOG_OVERHEAD) return { batches, partial: { offset: pos, size: left } };
    const length = view.getInt32(pos + BATCH_OFFSETS.batchLength);
    if (length < MIN_ENTRY_LENGTH) {
      throw new RecordsError("bad_length", `entry length ${length} at byte ${pos - start}`);
    }
    const size = LOG_OVERHEAD + length;
    if (size > left) return { batches, partial: { offset: pos, size: left } };
    batches.push({ offset: pos, size, magic: view.getInt8(pos + BATCH_OFFSETS.magic) });
    pos += size;
  }
  return { batches, partial: null };
}
