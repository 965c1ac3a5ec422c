/**
 * Growable writer of Kafka primitive types. One Writer is meant to be reused: `reset()`
 * rewinds it and keeps the grown buffer, so steady-state encoding allocates nothing but the
 * final copy in `finish()` (or nothing at all with `view()`).
 */
import { ProtocolError } from "./errors.ts";
import type { RawTaggedField } from "./reader.ts";
import { uuidFromString } from "./uuid.ts";

const utf8 = new TextEncoder();

/** UTF-8 byte length of `s`, matching TextEncoder (lone surrogates become U+FFFD, 3 bytes). */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) {
      n += 1;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 2; // a pair: 2 UTF-16 units → 4 bytes
        i++;
      } else {
        n += 2;
      }
    } else {
      n += 2;
    }
  }
  return n;
}

export class Writer {
  private buf: Uint8Array;
  private dv: DataView;
  /** Number of bytes written so far. */
  offset = 0;

  constructor(initialCapacity = 1024) {
    this.buf = new Uint8Array(initialCapacity);
    this.dv = new DataView(this.buf.buffer);
  }

  /** Rewinds to empty, keeping the buffer. */
  reset(): this {
    this.offset = 0;
    return this;
  }

  /** A copy of the bytes written; the writer may be reused afterwards. */
  finish(): Uint8Array {
    const out = this.buf.slice(0, this.offset);
    this.offset = 0;
    return out;
  }

  /** A view of the bytes written, valid only until the writer is written to or reset again. */
  view(): Uint8Array {
    return this.buf.subarray(0, this.offset);
  }

  /** Makes room for `n` more bytes; returns the offset to write at and advances past them. */
  reserve(n: number): number {
    const o = this.offset;
    if (o + n > this.buf.length) this.grow(o + n);
    this.offset = o + n;
    return o;
  }

  private grow(min: number): void {
    let cap = this.buf.length * 2;
    while (cap < min) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.offset));
    this.buf = next;
    this.dv = new DataView(next.buffer);
  }

  /** The underlying buffer (valid until the next write that grows it). */
  get buffer(): Uint8Array {
    return this.buf;
  }

  /** Overwrites 4 bytes already written at `offset` (size prefixes filled in afterwards). */
  patchInt32(offset: number, v: number): void {
    if (offset < 0 || offset + 4 > this.offset) {
      throw new RangeError(`patchInt32 at ${offset} outside the ${this.offset} bytes written`);
    }
    this.dv.setInt32(offset, v);
  }

  int8(v: number): void {
    const o = this.reserve(1);
    this.dv.setInt8(o, v);
  }
  int16(v: number): void {
    const o = this.reserve(2);
    this.dv.setInt16(o, v);
  }
  uint16(v: number): void {
    const o = this.reserve(2);
    this.dv.setUint16(o, v);
  }
  int32(v: number): void {
    const o = this.reserve(4);
    this.dv.setInt32(o, v);
  }
  uint32(v: number): void {
    const o = this.reserve(4);
    this.dv.setUint32(o, v);
  }
  int64(v: bigint): void {
    const o = this.reserve(8);
    this.dv.setBigInt64(o, v);
  }
  float64(v: number): void {
    const o = this.reserve(8);
    this.dv.setFloat64(o, v);
  }
  bool(v: boolean): void {
    const o = this.reserve(1);
    this.buf[o] = v ? 1 : 0;
  }
  uuid(v: string): void {
    const o = this.reserve(16);
    uuidFromString(v, this.buf, o);
  }

  uvarint(v: number): void {
    let u = v >>> 0;
    if (this.offset + 5 > this.buf.length) this.grow(this.offset + 5);
    const buf = this.buf;
    let i = this.offset;
    while (u >= 0x80) {
      buf[i++] = (u & 0x7f) | 0x80;
      u >>>= 7;
    }
    buf[i++] = u;
    this.offset = i;
  }
  varint(v: number): void {
    this.uvarint((v << 1) ^ (v >> 31));
  }
  varlong(v: bigint): void {
    let u = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
    while (u >= 0x80n) {
      this.int8Raw(Number(u & 0x7fn) | 0x80);
      u >>= 7n;
    }
    this.int8Raw(Number(u));
  }
  private int8Raw(b: number): void {
    const o = this.reserve(1);
    this.buf[o] = b;
  }

  /** Copies `v` verbatim (no length prefix). */
  raw(v: Uint8Array): void {
    const o = this.reserve(v.length);
    this.buf.set(v, o);
  }

  private text(s: string, n: number): void {
    const o = this.reserve(n);
    if (n === s.length) {
      const buf = this.buf;
      for (let i = 0; i < n; i++) buf[o + i] = s.charCodeAt(i);
    } else {
      utf8.encodeInto(s, this.buf.subarray(o, o + n));
    }
  }

  string(v: string): void {
    const n = utf8Length(v);
    if (n > 0x7fff) throw new ProtocolError("invalid_length", `string of ${n} bytes exceeds int16`);
    this.int16(n);
    this.text(v, n);
  }
  nullableString(v: string | null): void {
    if (v === null) this.int16(-1);
    else this.string(v);
  }
  compactString(v: string): void {
    const n = utf8Length(v);
    this.uvarint(n + 1);
    this.text(v, n);
  }
  compactNullableString(v: string | null): void {
    if (v === null) this.uvarint(0);
    else this.compactString(v);
  }
  bytes(v: Uint8Array): void {
    this.int32(v.length);
    this.raw(v);
  }
  nullableBytes(v: Uint8Array | null): void {
    if (v === null) this.int32(-1);
    else this.bytes(v);
  }
  compactBytes(v: Uint8Array): void {
    this.uvarint(v.length + 1);
    this.raw(v);
  }
  compactNullableBytes(v: Uint8Array | null): void {
    if (v === null) this.uvarint(0);
    else this.compactBytes(v);
  }
  /** Array length prefix; -1 writes null. */
  arrayLength(compact: boolean, n: number): void {
    if (compact) this.uvarint(n + 1);
    else this.int32(n);
  }

  /**
   * Starts a tagged field: writes the tag and reserves one byte for its size.
   * Returns the mark to pass to `endTaggedField` once the field's data is written.
   */
  beginTaggedField(tag: number): number {
    this.uvarint(tag);
    return this.reserve(1);
  }

  /** Fills in the size reserved by `beginTaggedField`, shifting the data if it needs more bytes. */
  endTaggedField(mark: number): void {
    const size = this.offset - mark - 1;
    if (size < 0x80) {
      this.buf[mark] = size;
      return;
    }
    let extra = 1;
    while (size >= 2 ** (7 * (extra + 1))) extra++;
    this.reserve(extra);
    this.buf.copyWithin(mark + 1 + extra, mark + 1, mark + 1 + size);
    const end = this.offset;
    this.offset = mark;
    this.uvarint(size);
    this.offset = end;
  }

  /**
   * Writes the unknown tagged fields of `raw` from index `from` whose tag is below `beforeTag`,
   * keeping tags in ascending order alongside the known ones; returns the next index.
   */
  rawTaggedFields(raw: readonly RawTaggedField[], from: number, beforeTag: number): number {
    let i = from;
    for (; i < raw.length; i++) {
      const f = raw[i]!;
      if (f.tag >= beforeTag) break;
      this.uvarint(f.tag);
      this.uvarint(f.data.length);
      this.raw(f.data);
    }
    return i;
  }
}
