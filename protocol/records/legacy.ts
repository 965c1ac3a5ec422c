/**
 * Legacy MessageSet v0/v1 (magic 0 and 1, Kafka < 0.11) and conversion to and from
 * RecordBatch v2.
 *
 * Entry: offset int64 | messageSize int32 | crc uint32 (CRC-32 IEEE of magic..end) |
 *        magic int8 | attributes int8 | timestamp int64 (magic 1 only) |
 *        key bytes (int32 length, -1 = null) | value bytes
 * A compressed "wrapper" message (attributes codec ≠ 0) carries a whole inner message
 * set, compressed, as its value. For magic 1 the inner offsets are relative (0..n-1)
 * and the wrapper holds the absolute offset of the last inner message (KIP-31).
 *
 * The broker stores only v2. Old producers' sets are up-converted on produce; old
 * consumers (Fetch v0–v3) get v2 batches down-converted, losing headers, as in Kafka.
 */
import { CompressionCodec, type CompressionCodecId } from "../compression/codec-id.ts";
import { compress, decompress } from "../compression/index.ts";
import type { DecompressOptions } from "../compression/limits.ts";
import { lz4Compress } from "../compression/lz4.ts";
import { buildRecordBatch, decodeRecordBatch } from "./batch.ts";
import { LOG_OVERHEAD, NO_TIMESTAMP, scanBatches, TimestampType } from "./batch-header.ts";
import { crc32 } from "./crc32.ts";
import { RecordsError } from "./errors.ts";
import { readInt64, viewOf, writeInt64 } from "./int64.ts";

export type LegacyMagic = 0 | 1;

/** One message of a (decompressed) legacy message set. */
export interface LegacyMessage {
  magic: LegacyMagic;
  offset: number;
  /** -1 (no timestamp) for magic 0. */
  timestamp: number;
  timestampType: 0 | 1;
  key: Uint8Array | null;
  value: Uint8Array | null;
}

const ATTR_CODEC = 0x07;
const ATTR_TS_TYPE = 0x08;
/** crc + magic + attributes + key length + value length. */
const V0_OVERHEAD = 4 + 1 + 1 + 4 + 4;

interface RawMessage {
  magic: LegacyMagic;
  offset: number;
  attributes: number;
  timestamp: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
}

function readBytes(
  view: DataView,
  buf: Uint8Array,
  p: number,
  end: number,
): [Uint8Array | null, number] {
  if (p + 4 > end) throw new RecordsError("bad_record", "message field runs past its end");
  const len = view.getInt32(p);
  if (len === -1) return [null, p + 4];
  if (len < 0 || p + 4 + len > end) throw new RecordsError("bad_record", `field length ${len}`);
  return [buf.subarray(p + 4, p + 4 + len), p + 4 + len];
}

/** Parses one legacy entry of `size` bytes at `buf[start]`, checking its CRC. */
function readMessage(buf: Uint8Array, start: number, size: number): RawMessage {
  const view = viewOf(buf);
  const end = start + size;
  const magic = view.getInt8(start + 16);
  if (magic !== 0 && magic !== 1) throw new RecordsError("bad_magic", `legacy magic ${magic}`);
  const minSize = LOG_OVERHEAD + V0_OVERHEAD + (magic === 1 ? 8 : 0);
  if (size < minSize) throw new RecordsError("bad_length", `message of ${size} bytes`);
  const stored = view.getUint32(start + 12);
  const computed = crc32(buf, start + 16, end);
  if (stored !== computed) {
    throw new RecordsError("corrupt_crc", `message crc ${stored}, computed ${computed}`);
  }
  const attributes = buf[start + 17]!;
  let p = start + 18;
  let timestamp = NO_TIMESTAMP;
  if (magic === 1) {
    timestamp = readInt64(view, p, "timestamp");
    p += 8;
  }
  const [key, afterKey] = readBytes(view, buf, p, end);
  const [value, afterValue] = readBytes(view, buf, afterKey, end);
  if (afterValue !== end) throw new RecordsError("bad_record", "bytes after message value");
  return { magic, offset: readInt64(view, start, "offset"), attributes, timestamp, key, value };
}

export interface LegacyDecodeResult {
  messages: LegacyMessage[];
  /** An incomplete entry at the end (fetch truncation), not an error. */
  partial: { offset: number; size: number } | null;
}

/**
 * Decodes a legacy message set, expanding compressed wrappers. Entries of magic 2 are
 * rejected (use scanBatches to split mixed data first).
 */
export function decodeMessageSet(
  buf: Uint8Array,
  options: DecompressOptions = {},
): LegacyDecodeResult {
  const scan = scanBatches(buf);
  const messages: LegacyMessage[] = [];
  for (const span of scan.batches) {
    const outer = readMessage(buf, span.offset, span.size);
    const codec = outer.attributes & ATTR_CODEC;
    const tsType = outer.attributes & ATTR_TS_TYPE ? 1 : 0;
    if (codec === CompressionCodec.none) {
      messages.push({ ...strip(outer), timestampType: tsType });
      continue;
    }
    if (codec === CompressionCodec.zstd) {
      throw new RecordsError("unsupported_codec", "zstd is not allowed below magic 2");
    }
    if (outer.value === null)
      throw new RecordsError("bad_record", "compressed wrapper has no value");
    const inner = decompress(codec, outer.value, {
      ...options,
      legacyLz4HeaderChecksum: outer.magic === 0,
    });
    const innerScan = scanBatches(inner);
    if (innerScan.partial !== null) throw new RecordsError("truncated", "partial inner message");
    const innerMessages = innerScan.batches.map((s) => readMessage(inner, s.offset, s.size));
    const lastInner = innerMessages[innerMessages.length - 1];
    for (const m of innerMessages) {
      if ((m.attributes & ATTR_CODEC) !== 0) {
        throw new RecordsError("bad_record", "nested compressed message");
      }
      const offset =
        outer.magic === 1 && lastInner ? outer.offset - lastInner.offset + m.offset : m.offset;
      const timestamp = outer.magic === 1 && tsType === 1 ? outer.timestamp : m.timestamp;
      messages.push({ ...strip(m), offset, timestamp, timestampType: tsType });
    }
  }
  return { messages, partial: scan.partial };
}

function strip(m: RawMessage): Omit<LegacyMessage, "timestampType"> {
  return { magic: m.magic, offset: m.offset, timestamp: m.timestamp, key: m.key, value: m.value };
}

/** Size of one legacy entry, log overhead included. */
function messageSize(magic: LegacyMagic, key: Uint8Array | null, value: Uint8Array | null): number {
  return (
    LOG_OVERHEAD + V0_OVERHEAD + (magic === 1 ? 8 : 0) + (key?.length ?? 0) + (value?.length ?? 0)
  );
}

function writeMessage(
  out: Uint8Array,
  p: number,
  magic: LegacyMagic,
  offset: number,
  attributes: number,
  timestamp: number,
  key: Uint8Array | null,
  value: Uint8Array | null,
): number {
  const view = viewOf(out);
  const size = messageSize(magic, key, value);
  writeInt64(view, p, offset, "offset");
  view.setInt32(p + 8, size - LOG_OVERHEAD);
  view.setInt8(p + 16, magic);
  view.setInt8(p + 17, attributes);
  let q = p + 18;
  if (magic === 1) {
    writeInt64(view, q, timestamp, "timestamp");
    q += 8;
  }
  for (const field of [key, value]) {
    view.setInt32(q, field === null ? -1 : field.length);
    q += 4;
    if (field !== null) {
      out.set(field, q);
      q += field.length;
    }
  }
  view.setUint32(p + 12, crc32(out, p + 16, q));
  return q;
}

export interface LegacyMessageInput {
  offset: number;
  timestamp: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
}

export interface BuildMessageSetOptions {
  magic: LegacyMagic;
  compression?: CompressionCodecId;
  timestampType?: 0 | 1;
  messages: readonly LegacyMessageInput[];
}

function encodePlain(
  magic: LegacyMagic,
  attributes: number,
  messages: readonly LegacyMessageInput[],
  offsetOf: (m: LegacyMessageInput, i: number) => number,
): Uint8Array {
  let total = 0;
  for (const m of messages) total += messageSize(magic, m.key, m.value);
  const out = new Uint8Array(total);
  let p = 0;
  messages.forEach((m, i) => {
    p = writeMessage(out, p, magic, offsetOf(m, i), attributes, m.timestamp, m.key, m.value);
  });
  return out;
}

/**
 * Encodes messages as a legacy message set; with compression, as one wrapper message
 * whose offset is the last message's (inner offsets relative for magic 1).
 */
export function buildMessageSet(options: BuildMessageSetOptions): Uint8Array {
  const { magic, messages } = options;
  const codec = options.compression ?? CompressionCodec.none;
  const tsBit = magic === 1 && options.timestampType === 1 ? ATTR_TS_TYPE : 0;
  if (codec === CompressionCodec.none) {
    return encodePlain(magic, tsBit, messages, (m) => m.offset);
  }
  if (codec === CompressionCodec.zstd) {
    throw new RecordsError("unsupported_codec", "zstd cannot be written below magic 2");
  }
  const last = messages[messages.length - 1];
  if (last === undefined) return new Uint8Array(0);
  const inner = encodePlain(magic, tsBit, messages, (m, i) => (magic === 1 ? i : m.offset));
  const compressed =
    codec === CompressionCodec.lz4 ? lz4Compress(inner, magic === 0) : compress(codec, inner);
  let maxTimestamp = NO_TIMESTAMP;
  for (const m of messages) if (m.timestamp > maxTimestamp) maxTimestamp = m.timestamp;
  const out = new Uint8Array(messageSize(magic, null, compressed));
  writeMessage(out, 0, magic, last.offset, codec | tsBit, maxTimestamp, null, compressed);
  return out;
}

export interface UpConvertOptions extends DecompressOptions {
  /**
   * Keep the messages' offsets (baseOffset = first, deltas from it) when they strictly
   * increase, as for stored data. Default false: offsets 0..n-1 from `baseOffset`, as
   * on produce where the broker assigns offsets anyway.
   */
  preserveOffsets?: boolean;
  baseOffset?: number;
  /** Target codec; default: the codec of the first wrapper, or none. */
  compression?: CompressionCodecId;
  partitionLeaderEpoch?: number;
}

function firstCodec(buf: Uint8Array): CompressionCodecId {
  const first = scanBatches(buf).batches[0];
  if (first === undefined) return CompressionCodec.none;
  const codec = buf[first.offset + 17]! & ATTR_CODEC;
  return codec <= 3 ? (codec as CompressionCodecId) : CompressionCodec.none;
}

/**
 * Converts a legacy message set (magic 0/1, compressed or not) into one v2 batch, as the
 * broker does for old producers. Returns an empty array for an empty set.
 */
export function upConvertMessageSet(buf: Uint8Array, options: UpConvertOptions = {}): Uint8Array {
  const { messages } = decodeMessageSet(buf, options);
  const first = messages[0];
  if (first === undefined) return new Uint8Array(0);
  let increasing = true;
  for (let i = 1; i < messages.length; i++) {
    if (messages[i]!.offset <= messages[i - 1]!.offset) increasing = false;
  }
  const preserve = (options.preserveOffsets ?? false) && increasing;
  const baseOffset = preserve ? first.offset : (options.baseOffset ?? 0);
  return buildRecordBatch({
    baseOffset,
    partitionLeaderEpoch: options.partitionLeaderEpoch ?? -1,
    timestampType:
      first.timestampType === 1 ? TimestampType.logAppendTime : TimestampType.createTime,
    compression: options.compression ?? firstCodec(buf),
    records: messages.map((m, i) => ({
      key: m.key,
      value: m.value,
      timestamp: m.timestamp,
      offsetDelta: preserve ? m.offset - first.offset : i,
    })),
  });
}

export interface DownConvertOptions extends DecompressOptions {
  magic: LegacyMagic;
}

/**
 * Converts stored v2 batches into a legacy message set for Fetch v0–v3 consumers, as
 * Kafka does: control batches are dropped, headers are lost, a compressed batch becomes
 * one compressed wrapper with the same codec (zstd cannot be expressed: typed error,
 * which the broker answers with UNSUPPORTED_COMPRESSION_TYPE). Legacy entries already
 * at or below the target magic pass through unchanged; a partial tail is dropped.
 */
export function downConvertBatches(buf: Uint8Array, options: DownConvertOptions): Uint8Array {
  const scan = scanBatches(buf);
  const parts: Uint8Array[] = [];
  for (const span of scan.batches) {
    if (span.magic < 2) {
      if (span.magic > options.magic) {
        const entry = buf.subarray(span.offset, span.offset + span.size);
        const { messages } = decodeMessageSet(entry, options);
        parts.push(buildMessageSet({ magic: options.magic, messages }));
      } else {
        parts.push(buf.subarray(span.offset, span.offset + span.size));
      }
      continue;
    }
    const { header, records } = decodeRecordBatch(buf, span.offset, options);
    if (header.isControl || records.length === 0) continue;
    const codec = header.compression as CompressionCodecId;
    parts.push(
      buildMessageSet({
        magic: options.magic,
        compression: codec,
        timestampType: header.timestampType,
        messages: records.map((r) => ({
          offset: r.offset,
          timestamp: options.magic === 1 ? r.timestamp : NO_TIMESTAMP,
          key: r.key,
          value: r.value,
        })),
      }),
    );
  }
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let d = 0;
  for (const p of parts) {
    out.set(p, d);
    d += p.length;
  }
  return out;
}
