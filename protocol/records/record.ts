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
  private recordEnd = 0;

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
        throw new RecordsError("bad_record", `${this.end - this.pos} bytes after the last record`);
      }
      return false;
    }
    const buf = this.buf;
    if (this.pos >= this.end) {
      throw new RecordsError("bad_record", `record ${this.index} of ${this.count} is missing`);
    }
    let r = readVarint(buf, this.pos);
    const length = r.value;
    let p = r.next;
    const end = p + length;
    if (length < 6 || end > this.end) {
      throw new RecordsError("bad_record", `record ${this.index} length ${length} out of bounds`);
    }
    this.attributes = buf[p++]!;
    const t = readVarlongNumber(buf, p, end);
    this.timestampDelta = t.value;
    p = t.next;
    r = this.varint(p, end);
    this.offsetDelta = r.value;
    p = r.next;
    r = this.varint(p, end);
    this.keyLength = r.value;
    p = this.field(r.next, end, r.value);
    this.keyOffset = p - Math.max(this.keyLength, 0);
    r = this.varint(p, end);
    this.valueLength = r.value;
    p = this.field(r.next, end, r.value);
    this.valueOffset = p - Math.max(this.valueLength, 0);
    r = this.varint(p, end);
    this.headerCount = r.value;
    if (r.value < 0 || r.value * 2 > end - r.next) {
      throw new RecordsError("bad_record", `header count ${r.value} out of bounds`);
    }
    this.headersOffset = r.next;
    this.recordEnd = end;
    p = r.next;
    for (let h = 0; h < this.headerCount; h++) {
      r = this.varint(p, end);
      if (r.value < 0) throw new RecordsError("bad_record", "null header key");
      p = this.field(r.next, end, r.value);
      r = this.varint(p, end);
      p = this.field(r.next, end, r.value);
    }
    if (p !== end) throw new RecordsError("bad_record", `record ${this.index} has trailing bytes`);
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
    const out: RecordHeader[] = [];
    const buf = this.buf;
    let p = this.headersOffset;
    for (let h = 0; h < this.headerCount; h++) {
      let r = readVarint(buf, p);
      const kl = r.value;
      const key = decodeKey(buf, r.next, kl);
      r = readVarint(buf, r.next + kl);
      const vl = r.value;
      const value = vl < 0 ? null : buf.subarray(r.next, r.next + vl);
      p = r.next + Math.max(vl, 0);
      out.push({ key, value });
    }
    if (p !== this.recordEnd) throw new Error("header walk disagrees with validation");
    return out;
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

  private varint(p: number, end: number): { value: number; next: number } {
    if (p >= end) throw new RecordsError("bad_record", "record field runs past the record");
    const r = readVarint(this.buf, p);
    if (r.next > end) throw new RecordsError("bad_record", "record field runs past the record");
    return r;
  }

  /** Skips a nullable byte field of `length` (-1 = null) starting at `p`. */
  private field(p: number, end: number, length: number): number {
    if (length < -1 || p + length > end) {
      throw new RecordsError("bad_record", `field length ${length} out of bounds`);
    }
    return length < 0 ? p : p + length;
  }
}
