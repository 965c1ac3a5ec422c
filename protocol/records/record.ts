/**
 * One record inside a v2 batch (KIP-98 format), encoded and read with varints:
 *   length varint | attributes int8 | timestampDelta varlong | offsetDelta varint |
 *   keyLength varint (-1 = null) | key | valueLength varint (-1 = null) | value |
 *   headerCount varint | [headerKeyLength varint | key utf8 | valueLength varint | value]
 *
 * The cursor reads records in place: key and value are views into the (decompressed)
 * records section, headers are decoded only when asked for, so iterating a batch
 * allocates nothing per record unless the caller wants the fields as objects.
 */
import { readVarint, sizeOfVarint, writeVarint } from "../codec/varint.ts";
import { RecordsError } from "./errors.ts";
import { readVarlongNumber, sizeOfVarlongNumber, writeVarlongNumber } from "./varlong.ts";

export interface RecordHeader {
  key: string;
  value: Uint8Array | null;
}

/** A record to put in a batch. Timestamps are epoch milliseconds. */
export interface RecordInput {
  key?: Uint8Array | null;
  value: Uint8Array | null;
  headers?: readonly RecordHeader[];
  timestamp: number;
  /** Position relative to the batch's base offset; defaults to the record's index. */
  offsetDelta?: number;
}

/** A record read from a batch, with absolute offset and timestamp. */
export interface DecodedRecord {
  offset: number;
  timestamp: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: RecordHeader[];
}

const encoder = new TextEncoder();
/** Header keys are Java Strings on the producer side; invalid UTF-8 decodes like Java, with U+FFFD. */
const decoder = new TextDecoder("utf-8");

/** UTF-8 byte length of `s` as TextEncoder would produce it (lone surrogates → U+FFFD). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/** Header keys are short ASCII in practice; build those directly instead of via TextDecoder. */
function decodeKey(buf: Uint8Array, start: number, length: number): string {
  if (length <= 32) {
    let s = "";
    for (let i = start; i < start + length; i++) {
      const c = buf[i]!;
      if (c >= 0x80) return decoder.decode(buf.subarray(start, start + length));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return decoder.decode(buf.subarray(start, start + length));
}

function sizeOfBytesField(b: Uint8Array | null | undefined): number {
  return b == null ? 1 : sizeOfVarint(b.length) + b.length;
}

/** Size of the record body (everything after the length prefix). */
export function sizeOfRecordBody(
  record: RecordInput,
  offsetDelta: number,
  timestampDelta: number,
): number {
  let size =
    1 +
    sizeOfVarlongNumber(timestampDelta) +
    sizeOfVarint(offsetDelta) +
    sizeOfBytesField(record.key) +
    sizeOfBytesField(record.value);
  const headers = record.headers ?? [];
  size += sizeOfVarint(headers.length);
  for (const h of headers) {
    const kl = utf8Length(h.key);
    size += sizeOfVarint(kl) + kl + sizeOfBytesField(h.value);
  }
  return size;
}

/** Size of the whole record, length prefix included. */
export function sizeOfRecord(bodySize: number): number {
  return sizeOfVarint(bodySize) + bodySize;
}

function writeBytesField(buf: Uint8Array, pos: number, b: Uint8Array | null | undefined): number {
  if (b == null) return writeVarint(buf, pos, -1);
  const p = writeVarint(buf, pos, b.length);
  buf.set(b, p);
  return p + b.length;
}

/** Writes one record (length prefix included) at `pos`; returns the end position. */
export function writeRecord(
  buf: Uint8Array,
  pos: number,
  record: RecordInput,
  bodySize: number,
  offsetDelta: number,
  timestampDelta: number,
): number {
  let p = writeVarint(buf, pos, bodySize);
  const bodyStart = p;
  buf[p++] = 0; // attributes: unused since KIP-98
  p = writeVarlongNumber(buf, p, timestampDelta);
  p = writeVarint(buf, p, offsetDelta);
  p = writeBytesField(buf, p, record.key);
  p = writeBytesField(buf, p, record.value);
  const headers = record.headers ?? [];
  p = writeVarint(buf, p, headers.length);
  for (const h of headers) {
    const kl = utf8Length(h.key);
    p = writeVarint(buf, p, kl);
    if (kl === h.key.length) {
      // ASCII (the usual header key): byte per char, no encoder call or subarray.
      for (let i = 0; i < kl; i++) buf[p + i] = h.key.charCodeAt(i);
    } else {
      const written = encoder.encodeInto(h.key, buf.subarray(p, p + kl)).written;
      if (written !== kl) throw new Error(`header key encoded to ${written} bytes, expected ${kl}`);
    }
    p += kl;
    p = writeBytesField(buf, p, h.value);
  }
  if (p - bodyStart !== bodySize) {
    throw new Error(`record body wrote ${p - bodyStart} bytes, sized ${bodySize}`);
  }
  return p;
}

/** Position after the value varintIn or varlongIn returned last (a shared out-parameter). */
let varintEnd = 0;

/** shortVarint's answer when the varint is not one or two bytes within `end`. */
const NOT_SHORT = 0x40000000;

/**
 * The one- and two-byte zigzag varint at `p` (the lengths, deltas and counts of typical
 * records), setting varintEnd; NOT_SHORT (outside the two-byte range) for anything else.
 */
function shortVarint(buf: Uint8Array, p: number, end: number): number {
  if (p < end) {
    const b0 = buf[p]!;
    if (b0 < 0x80) {
      varintEnd = p + 1;
      return (b0 >>> 1) ^ -(b0 & 1);
    }
    if (p + 1 < end) {
      const b1 = buf[p + 1]!;
      if (b1 < 0x80) {
        const u = (b0 & 0x7f) | (b1 << 7);
        varintEnd = p + 2;
        return (u >>> 1) ^ -(u & 1);
      }
    }
  }
  return NOT_SHORT;
}

/**
 * Reads the zigzag varint at `p`, which must end at or before `end`, and sets varintEnd.
 * Longer ones go through readVarint; a varint past 32 bits or past the buffer is a
 * malformed record (bad_record), like one past the record's end.
 */
function varintIn(buf: Uint8Array, p: number, end: number): number {
  const short = shortVarint(buf, p, end);
  if (short !== NOT_SHORT) return short;
  if (p >= end) throw new RecordsError("bad_record", "record field runs past the record");
  let r: { value: number; next: number };
  try {
    r = readVarint(buf, p);
  } catch (err) {
    throw new RecordsError("bad_record", `record field: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (r.next > end) throw new RecordsError("bad_record", "record field runs past the record");
  varintEnd = r.next;
  return r.value;
}

/** readVarlongNumber with the one- and two-byte cases inline; sets varintEnd. */
function varlongIn(buf: Uint8Array, p: number, end: number): number {
  const short = shortVarint(buf, p, end);
  if (short !== NOT_SHORT) return short;
  const t = readVarlongNumber(buf, p, end);
  varintEnd = t.next;
  return t.value;
}

/**
 * Where each record of a batch sits in its records section, column by column (filled by
 * scanRecords; reused across batches, so reading a batch allocates nothing per record).
 * Lengths are -1 for null keys and values; absolute offset = baseOffset + offsetDelta.
 */
export class RecordColumns {
  /** Records described (rows 0..count-1 are valid). */
  count = 0;
  offsetDelta = new Int32Array(0);
  timestampDelta = new Float64Array(0);
  keyOffset = new Int32Array(0);
  keyLength = new Int32Array(0);
  valueOffset = new Int32Array(0);
  valueLength = new Int32Array(0);
  headerCount = new Int32Array(0);
  headersOffset = new Int32Array(0);

  /** Makes room for row `n` (grown as records are read, never from an untrusted count). */
  grow(n: number): void {
    const size = Math.max(n + 1, this.offsetDelta.length * 2, 256);
    const widen = <A extends Int32Array | Float64Array>(a: A, make: (n: number) => A): A => {
      const b = make(size);
      b.set(a);
      return b;
    };
    const i32 = (k: number) => new Int32Array(k);
    this.offsetDelta = widen(this.offsetDelta, i32);
    this.timestampDelta = widen(this.timestampDelta, (k) => new Float64Array(k));
    this.keyOffset = widen(this.keyOffset, i32);
    this.keyLength = widen(this.keyLength, i32);
    this.valueOffset = widen(this.valueOffset, i32);
    this.valueLength = widen(this.valueLength, i32);
    this.headerCount = widen(this.headerCount, i32);
    this.headersOffset = widen(this.headersOffset, i32);
  }
}

/** The fields of the record readRecordAt validated last (a shared out-parameter). */
const rec = {
  attributes: 0,
  timestampDelta: 0,
  offsetDelta: 0,
  keyOffset: 0,
  keyLength: -1,
  valueOffset: 0,
  valueLength: -1,
  headerCount: 0,
  headersOffset: 0,
};

/**
 * Validates record `index` of `count` starting at `section[p]`, leaves its fields in
 * `rec` and returns where it ends. The one reading of the record format that
 * RecordCursor and scanRecords share: one- and two-byte varints (lengths, deltas and
 * counts of typical records) are read inline, anything longer, truncated or malformed
 * goes through readVarint/readVarlongNumber, which throw as a full read would.
 */
function readRecordAt(section: Uint8Array, p: number, index: number, count: number): number {
  const sectionEnd = section.length;
  if (p >= sectionEnd) {
    throw new RecordsError("bad_record", `record ${index} of ${count} is missing`);
  }
  // The length prefix is bounded by the section, not by a record.
  const length = varintIn(section, p, sectionEnd);
  p = varintEnd;
  const end = p + length;
  if (length < 6 || end > sectionEnd) {
    throw new RecordsError("bad_record", `record ${index} length ${length} out of bounds`);
  }
  rec.attributes = section[p++]!;
  rec.timestampDelta = varlongIn(section, p, end);
  rec.offsetDelta = varintIn(section, varintEnd, end);
  rec.keyLength = varintIn(section, varintEnd, end);
  rec.keyOffset = varintEnd;
  p = skipField(varintEnd, end, rec.keyLength);
  rec.valueLength = varintIn(section, p, end);
  rec.valueOffset = varintEnd;
  p = skipField(varintEnd, end, rec.valueLength);
  const headerCount = varintIn(section, p, end);
  p = varintEnd;
  if (headerCount < 0 || headerCount * 2 > end - p) {
    throw new RecordsError("bad_record", `header count ${headerCount} out of bounds`);
  }
  rec.headerCount = headerCount;
  rec.headersOffset = p;
  for (let h = 0; h < headerCount; h++) {
    const kl = varintIn(section, p, end);
    if (kl < 0) throw new RecordsError("bad_record", "null header key");
    p = skipField(varintEnd, end, kl);
    const vl = varintIn(section, p, end);
    p = skipField(varintEnd, end, vl);
  }
  if (p !== end) throw new RecordsError("bad_record", `record ${index} has trailing bytes`);
  return end;
}

function trailingBytes(section: Uint8Array, p: number): RecordsError {
  return new RecordsError("bad_record", `${section.length - p} bytes after the last record`);
}

/**
 * Reads all `count` records of a records section into `columns`, validating exactly as
 * RecordCursor does (same RecordsError reasons and messages, for the first bad record).
 * For decoders that visit every record: one call per batch instead of one per record.
 */
export function scanRecords(section: Uint8Array, count: number, columns: RecordColumns): void {
  let p = 0;
  columns.count = 0;
  for (let index = 0; index < count; index++) {
    p = readRecordAt(section, p, index, count);
    if (index >= columns.offsetDelta.length) columns.grow(index);
    columns.offsetDelta[index] = rec.offsetDelta;
    columns.timestampDelta[index] = rec.timestampDelta;
    columns.keyOffset[index] = rec.keyOffset;
    columns.keyLength[index] = rec.keyLength;
    columns.valueOffset[index] = rec.valueOffset;
    columns.valueLength[index] = rec.valueLength;
    columns.headerCount[index] = rec.headerCount;
    columns.headersOffset[index] = rec.headersOffset;
    columns.count = index + 1;
  }
  if (p !== section.length) throw trailingBytes(section, p);
}

/** Skips a nullable byte field of `length` (-1 = null) starting at `p`; returns its end. */
function skipField(p: number, end: number, length: number): number {
  if (length < -1 || p + length > end) {
    throw new RecordsError("bad_record", `field length ${length} out of bounds`);
  }
  return length < 0 ? p : p + length;
}

/**
 * Decodes `count` headers starting at `buf[offset]` of a record that scanRecords (or
 * RecordCursor) already validated. Allocates: call only for records that have headers.
 */
export function decodeHeaders(buf: Uint8Array, offset: number, count: number): RecordHeader[] {
  const out: RecordHeader[] = [];
  let p = offset;
  for (let h = 0; h < count; h++) {
    let r = readVarint(buf, p);
    const kl = r.value;
    const key = decodeKey(buf, r.next, kl);
    r = readVarint(buf, r.next + kl);
    const vl = r.value;
    const value = vl < 0 ? null : buf.subarray(r.next, r.next + vl);
    p = r.next + Math.max(vl, 0);
    out.push({ key, value });
  }
  return out;
}

/**
 * Reads the records of one batch from its (decompressed) records section, in place.
 * `next()` advances and returns false after `count` records; the fields describe the
 * current record until the next call. Malformed bytes throw RecordsError("bad_record").
 */
export class RecordCursor {
  private readonly buf: Uint8Array;
  private readonly end: number;
  private readonly count: number;
  private readonly baseOffset: number;
  private readonly baseTimestamp: number;
  /** For LogAppendTime batches every record carries the batch's max timestamp. */
  private readonly fixedTimestamp: number | null;
  private pos: number;
  private index = 0;

  attributes = 0;
  offsetDelta = 0;
  timestampDelta = 0;
  /** Absolute offset: baseOffset + offsetDelta. */
  offset = 0;
  timestamp = 0;
  keyOffset = 0;
  /** -1 when the key is null. */
  keyLength = -1;
  valueOffset = 0;
  /** -1 when the value is null. */
  valueLength = -1;
  headerCount = 0;
  private headersOffset = 0;

  constructor(
    section: Uint8Array,
    options: {
      count: number;
      baseOffset: number;
      baseTimestamp: number;
      logAppendTime?: number | null;
    },
  ) {
    this.buf = section;
    this.pos = 0;
    this.end = section.length;
    this.count = options.count;
    this.baseOffset = options.baseOffset;
    this.baseTimestamp = options.baseTimestamp;
    this.fixedTimestamp = options.logAppendTime ?? null;
  }

  /** Advances to the next record; false once all `count` records were read. */
  next(): boolean {
    if (this.index >= this.count) {
      if (this.index === this.count && this.pos !== this.end) {
        this.index++;
        throw trailingBytes(this.buf, this.pos);
      }
      return false;
    }
    const end = readRecordAt(this.buf, this.pos, this.index, this.count);
    this.attributes = rec.attributes;
    this.timestampDelta = rec.timestampDelta;
    this.offsetDelta = rec.offsetDelta;
    this.keyOffset = rec.keyOffset;
    this.keyLength = rec.keyLength;
    this.valueOffset = rec.valueOffset;
    this.valueLength = rec.valueLength;
    this.headerCount = rec.headerCount;
    this.headersOffset = rec.headersOffset;
    this.offset = this.baseOffset + this.offsetDelta;
    this.timestamp = this.fixedTimestamp ?? this.baseTimestamp + this.timestampDelta;
    this.pos = end;
    this.index++;
    return true;
  }

  /** Key bytes as a view into the section (no copy), or null. */
  get key(): Uint8Array | null {
    return this.keyLength < 0
      ? null
      : this.buf.subarray(this.keyOffset, this.keyOffset + this.keyLength);
  }

  /** Value bytes as a view into the section (no copy), or null. */
  get value(): Uint8Array | null {
    return this.valueLength < 0
      ? null
      : this.buf.subarray(this.valueOffset, this.valueOffset + this.valueLength);
  }

  /** Decodes the current record's headers (allocates; call only when needed). */
  headers(): RecordHeader[] {
    return decodeHeaders(this.buf, this.headersOffset, this.headerCount);
  }

  /** Materialises the current record (allocates). */
  toRecord(): DecodedRecord {
    return {
      offset: this.offset,
      timestamp: this.timestamp,
      key: this.key,
      value: this.value,
      headers: this.headers(),
    };
  }
}
