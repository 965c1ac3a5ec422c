/**
 * Builds one RecordBatch v2 incrementally, writing each record straight into a growing
 * buffer: no per-record objects survive `append`, and string keys/values are encoded in
 * place with `encodeInto`. `finish` fills the 61-byte header (and compresses the records
 * section when asked) and computes the CRC-32C. The layout is Kafka's
 * (docs/implementation.html, protocol/records/batch-header.ts).
 */
import { utf8Length } from "../../protocol/codec/writer.ts";
import { BATCH_OFFSETS, RECORD_BATCH_HEADER_SIZE } from "../../protocol/records/batch-header.ts";
import { crc32c } from "../../protocol/records/crc32c.ts";

export type Bytes = Uint8Array | string | null;

export interface RecordHeader {
  key: string;
  value: Uint8Array | string | null;
}

export interface FinishOptions {
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  transactional: boolean;
  /** Compression codec id (0 none … 4 zstd) and the function doing it; none when absent. */
  compression?: { codec: number; compress(data: Uint8Array): Uint8Array };
}

const encoder = new TextEncoder();
const TWO_32 = 0x1_0000_0000;

function byteLength(b: Bytes): number {
  if (b === null) return -1;
  return typeof b === "string" ? utf8Length(b) : b.length;
}

/** Size of the zigzag varint of a signed safe integer. */
function sizeOfZigzag(v: number): number {
  if (v >= -0x40000000 && v < 0x40000000) {
    const u = ((v << 1) ^ (v >> 31)) >>> 0;
    return u < 0x80 ? 1 : u < 0x4000 ? 2 : u < 0x200000 ? 3 : u < 0x10000000 ? 4 : 5;
  }
  let u = v >= 0 ? v * 2 : -v * 2 - 1;
  let n = 1;
  while (u >= 128) {
    u = Math.floor(u / 128);
    n++;
  }
  return n;
}

export class BatchBuilder {
  #buf: Uint8Array;
  #pos = RECORD_BATCH_HEADER_SIZE;
  #count = 0;
  #baseTimestamp = -1;
  #maxTimestamp = -1;
  /** When the first record was appended (for linger), in the producer's clock. */
  readonly createdMs: number;

  constructor(initialCapacity: number, createdMs: number) {
    this.#buf = new Uint8Array(Math.max(initialCapacity, RECORD_BATCH_HEADER_SIZE + 64));
    this.createdMs = createdMs;
  }

  get count(): number {
    return this.#count;
  }

  /** Bytes the batch takes so far (uncompressed, header included). */
  get sizeInBytes(): number {
    return this.#pos;
  }

  /** Upper bound on the bytes `append` would add for this record. */
  static estimate(key: Bytes, value: Bytes, headers: readonly RecordHeader[] | undefined): number {
    let n = 21 + 5 + 5 + Math.max(byteLength(key), 0) + Math.max(byteLength(value), 0);
    if (headers)
      for (const h of headers) n += 10 + utf8Length(h.key) + Math.max(byteLength(h.value), 0);
    return n;
  }

  /** Appends one record; returns its offset delta within the batch. */
  append(timestampMs: number, key: Bytes, value: Bytes, headers?: readonly RecordHeader[]): number {
    const offsetDelta = this.#count;
    if (offsetDelta === 0) this.#baseTimestamp = timestampMs;
    if (timestampMs > this.#maxTimestamp) this.#maxTimestamp = timestampMs;
    const tsDelta = timestampMs - this.#baseTimestamp;
    const keyLen = key === null ? -1 : typeof key === "string" ? utf8Length(key) : key.length;
    const valueLen =
      value === null ? -1 : typeof value === "string" ? utf8Length(value) : value.length;
    let bodySize = 1 + sizeOfZigzag(tsDelta) + sizeOfZigzag(offsetDelta);
    bodySize += keyLen < 0 ? 1 : sizeOfZigzag(keyLen) + keyLen;
    bodySize += valueLen < 0 ? 1 : sizeOfZigzag(valueLen) + valueLen;
    const nHeaders = headers === undefined ? 0 : headers.length;
    bodySize += sizeOfZigzag(nHeaders);
    if (nHeaders > 0) {
      for (const h of headers!) {
        const hk = utf8Length(h.key);
        const hv = byteLength(h.value);
        bodySize += sizeOfZigzag(hk) + hk + (hv < 0 ? 1 : sizeOfZigzag(hv) + hv);
      }
    }
    const total = sizeOfZigzag(bodySize) + bodySize;
    if (this.#pos + total > this.#buf.length) this.#grow(total);
    this.#zigzag(bodySize);
    this.#buf[this.#pos++] = 0; // record attributes: unused
    this.#zigzag(tsDelta);
    this.#zigzag(offsetDelta);
    this.#bytes(key, keyLen);
    this.#bytes(value, valueLen);
    this.#zigzag(nHeaders);
    if (nHeaders > 0) {
      for (const h of headers!) {
        this.#bytes(h.key, utf8Length(h.key));
        this.#bytes(h.value, byteLength(h.value));
      }
    }
    this.#count = offsetDelta + 1;
    return offsetDelta;
  }

  /** Completes the batch and returns its bytes (a view; the builder must not be reused). */
  finish(opts: FinishOptions): Uint8Array {
    let buf = this.#buf;
    let end = this.#pos;
    let attributes = opts.transactional ? 0x10 : 0;
    if (opts.compression && opts.compression.codec !== 0 && this.#count > 0) {
      const compressed = opts.compression.compress(buf.subarray(RECORD_BATCH_HEADER_SIZE, end));
      const out = new Uint8Array(RECORD_BATCH_HEADER_SIZE + compressed.length);
      out.set(compressed, RECORD_BATCH_HEADER_SIZE);
      buf = out;
      end = out.length;
      attributes |= opts.compression.codec;
    }
    const v = new DataView(buf.buffer, buf.byteOffset, end);
    v.setInt32(0, 0);
    v.setInt32(4, 0); // baseOffset: assigned by the broker
    v.setInt32(BATCH_OFFSETS.batchLength, end - 12);
    v.setInt32(BATCH_OFFSETS.partitionLeaderEpoch, -1);
    v.setInt8(BATCH_OFFSETS.magic, 2);
    v.setInt16(BATCH_OFFSETS.attributes, attributes);
    v.setInt32(BATCH_OFFSETS.lastOffsetDelta, this.#count - 1);
    setInt64(v, BATCH_OFFSETS.baseTimestamp, this.#baseTimestamp);
    setInt64(v, BATCH_OFFSETS.maxTimestamp, this.#maxTimestamp);
    setInt64(v, BATCH_OFFSETS.producerId, opts.producerId);
    v.setInt16(BATCH_OFFSETS.producerEpoch, opts.producerEpoch);
    v.setInt32(BATCH_OFFSETS.baseSequence, opts.baseSequence);
    v.setInt32(BATCH_OFFSETS.recordsCount, this.#count);
    v.setUint32(BATCH_OFFSETS.crc, crc32c(buf, BATCH_OFFSETS.attributes, end));
    return buf.subarray(0, end);
  }

  #grow(n: number): void {
    let cap = this.#buf.length * 2;
    while (cap < this.#pos + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.#buf.subarray(0, this.#pos));
    this.#buf = next;
  }

  #zigzag(v: number): void {
    const buf = this.#buf;
    let pos = this.#pos;
    if (v >= -0x40000000 && v < 0x40000000) {
      let u = ((v << 1) ^ (v >> 31)) >>> 0;
      while (u >= 0x80) {
        buf[pos++] = (u & 0x7f) | 0x80;
        u >>>= 7;
      }
      buf[pos++] = u;
    } else {
      let u = v >= 0 ? v * 2 : -v * 2 - 1;
      while (u >= 128) {
        buf[pos++] = (u % 128) | 0x80;
        u = Math.floor(u / 128);
      }
      buf[pos++] = u;
    }
    this.#pos = pos;
  }

  #bytes(b: Bytes, len: number): void {
    this.#zigzag(len);
    if (b === null) return;
    if (typeof b === "string") {
      if (len > 0) encoder.encodeInto(b, this.#buf.subarray(this.#pos, this.#pos + len));
    } else if (len <= 128) {
      // Small values: a plain loop beats TypedArray.set's per-call overhead.
      const buf = this.#buf;
      const pos = this.#pos;
      for (let i = 0; i < len; i++) buf[pos + i] = b[i]!;
    } else {
      this.#buf.set(b, this.#pos);
    }
    this.#pos += len;
  }
}

function setInt64(v: DataView, offset: number, value: number): void {
  const hi = Math.floor(value / TWO_32);
  v.setInt32(offset, hi);
  v.setUint32(offset + 4, value - hi * TWO_32);
}
