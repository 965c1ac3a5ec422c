/**
 * Bounds-checked, zero-copy reader of Kafka primitive types over a Uint8Array.
 *
 * Every length or count is checked against the bytes left before anything is allocated,
 * so a frame claiming a 2 GiB string costs nothing; every failure is a ProtocolError.
 * `bytes`/`records` come back as `subarray` views sharing memory with the input.
 */
import { ProtocolError } from "./errors.ts";
import { uuidToString } from "./uuid.ts";

const utf8 = new TextDecoder("utf-8");

/** An unknown tagged field, kept as raw bytes so it can be re-emitted unchanged. */
export interface RawTaggedField {
  readonly tag: number;
  readonly data: Uint8Array;
}

function truncated(need: number, left: number): ProtocolError {
  return new ProtocolError("truncated", `need ${need} bytes, ${left} left`);
}

export class Reader {
  readonly buf: Uint8Array;
  private readonly view: DataView;
  /** Position of the next byte to read. */
  offset: number;
  private readonly end: number;

  constructor(buf: Uint8Array, offset = 0, end = buf.length) {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.offset = offset;
    this.end = end;
  }

  /** Bytes left before the end of the input. */
  get remaining(): number {
    return this.end - this.offset;
  }

  private need(n: number): number {
    const o = this.offset;
    if (this.end - o < n) throw truncated(n, this.end - o);
    this.offset = o + n;
    return o;
  }

  int8(): number {
    return this.view.getInt8(this.need(1));
  }
  int16(): number {
    return this.view.getInt16(this.need(2));
  }
  uint16(): number {
    return this.view.getUint16(this.need(2));
  }
  int32(): number {
    return this.view.getInt32(this.need(4));
  }
  uint32(): number {
    return this.view.getUint32(this.need(4));
  }
  int64(): bigint {
    return this.view.getBigInt64(this.need(8));
  }
  float64(): number {
    return this.view.getFloat64(this.need(8));
  }
  bool(): boolean {
    return this.view.getUint8(this.need(1)) !== 0;
  }
  uuid(): string {
    return uuidToString(this.buf, this.need(16));
  }

  /** Unsigned 32-bit base-128 varint (compact lengths, tags). */
  uvarint(): number {
    const buf = this.buf;
    let i = this.offset;
    let value = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      if (i >= this.end) throw truncated(1, 0);
      const b = buf[i++]!;
      value |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.offset = i;
        return value >>> 0;
      }
    }
    if (i >= this.end) throw truncated(1, 0);
    const b = buf[i++]!;
    if (b > 0x0f) throw new ProtocolError("invalid_value", "unsigned varint exceeds 32 bits");
    this.offset = i;
    return (value | (b << 28)) >>> 0;
  }

  /** Zigzag signed 32-bit varint. */
  varint(): number {
    const u = this.uvarint();
    return (u >>> 1) ^ -(u & 1);
  }

  /** Zigzag signed 64-bit varint. */
  varlong(): bigint {
    let u = 0n;
    let shift = 0n;
    for (;;) {
      if (this.offset >= this.end) throw truncated(1, 0);
      const b = this.buf[this.offset++]!;
      if (shift === 63n && b > 1) {
        throw new ProtocolError("invalid_value", "varlong exceeds 64 bits");
      }
      u |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) break;
      shift += 7n;
    }
    return (u >> 1n) ^ -(u & 1n);
  }

  /** A zero-copy view of the next `n` bytes. */
  raw(n: number): Uint8Array {
    if (n < 0) throw new ProtocolError("invalid_length", `negative length ${n}`);
    const o = this.need(n);
    return this.buf.subarray(o, o + n);
  }

  private text(n: number): string {
    if (n > this.end - this.offset) {
      throw new ProtocolError("invalid_length", `string of ${n} bytes, ${this.remaining} left`);
    }
    const buf = this.buf;
    const start = this.offset;
    this.offset = start + n;
    if (n <= 16) {
      // Short ASCII strings (names, ids) dominate; building them directly beats TextDecoder.
      let s = "";
      for (let i = start; i < start + n; i++) {
        const c = buf[i]!;
        if (c >= 0x80) return utf8.decode(buf.subarray(start, start + n));
        s += String.fromCharCode(c);
      }
      return s;
    }
    return utf8.decode(buf.subarray(start, start + n));
  }

  /** Length of a legacy (int16-prefixed) string; -1 means null. */
  private stringLength(): number {
    const n = this.int16();
    if (n < -1) throw new ProtocolError("invalid_length", `string length ${n}`);
    return n;
  }

  string(): string {
    const n = this.stringLength();
    if (n < 0) throw new ProtocolError("invalid_value", "null in a non-nullable string");
    return this.text(n);
  }
  nullableString(): string | null {
    const n = this.stringLength();
    return n < 0 ? null : this.text(n);
  }
  compactString(): string {
    const n = this.uvarint() - 1;
    if (n < 0) throw new ProtocolError("invalid_value", "null in a non-nullable compact string");
    return this.text(n);
  }
  compactNullableString(): string | null {
    const n = this.uvarint() - 1;
    return n < 0 ? null : this.text(n);
  }

  private blob(n: number): Uint8Array {
    if (n > this.end - this.offset) {
      throw new ProtocolError("invalid_length", `bytes of length ${n}, ${this.remaining} left`);
    }
    const o = this.offset;
    this.offset = o + n;
    return this.buf.subarray(o, o + n);
  }
  private bytesLength(): number {
    const n = this.int32();
    if (n < -1) throw new ProtocolError("invalid_length", `bytes length ${n}`);
    return n;
  }

  bytes(): Uint8Array {
    const n = this.bytesLength();
    if (n < 0) throw new ProtocolError("invalid_value", "null in non-nullable bytes");
    return this.blob(n);
  }
  nullableBytes(): Uint8Array | null {
    const n = this.bytesLength();
    return n < 0 ? null : this.blob(n);
  }
  compactBytes(): Uint8Array {
    const n = this.uvarint() - 1;
    if (n < 0) throw new ProtocolError("invalid_value", "null in non-nullable compact bytes");
    return this.blob(n);
  }
  compactNullableBytes(): Uint8Array | null {
    const n = this.uvarint() - 1;
    return n < 0 ? null : this.blob(n);
  }

  /**
   * Reads an array length (int32, or compact uvarint+1 when `compact`); -1 means null.
   * Rejects counts whose elements, at `minElementBytes` each (≥ 1 assumed), cannot fit in
   * the bytes left, so the caller may allocate for `count` elements safely.
   */
  arrayLength(compact: boolean, minElementBytes: number): number {
    const n = compact ? this.uvarint() - 1 : this.int32();
    if (n < -1) throw new ProtocolError("invalid_length", `array length ${n}`);
    if (n * (minElementBytes > 0 ? minElementBytes : 1) > this.end - this.offset) {
      throw new ProtocolError(
        "invalid_length",
        `array of ${n} elements, ${this.remaining} bytes left`,
      );
    }
    return n;
  }

  /** Number of tagged fields that follow; each takes at least 2 bytes (tag, size). */
  taggedFieldCount(): number {
    const n = this.uvarint();
    if (n * 2 > this.end - this.offset) {
      throw new ProtocolError("invalid_length", `${n} tagged fields, ${this.remaining} bytes left`);
    }
    return n;
  }

  /** Reads a tagged field's size and checks it fits; returns the offset where its data ends. */
  taggedFieldEnd(): number {
    const size = this.uvarint();
    if (size > this.end - this.offset) {
      throw new ProtocolError(
        "invalid_length",
        `tagged field of ${size} bytes, ${this.remaining} left`,
      );
    }
    return this.offset + size;
  }

  /** Throws unless a known tagged field's decoder consumed exactly its declared size. */
  endTaggedField(end: number): void {
    if (this.offset !== end) {
      throw new ProtocolError("invalid_length", "tagged field size does not match its contents");
    }
  }

  /** Skips all tagged fields, keeping them raw (used where no field is tagged). */
  unknownTaggedFields(): RawTaggedField[] | undefined {
    const n = this.taggedFieldCount();
    if (n === 0) return undefined;
    const out: RawTaggedField[] = [];
    for (let i = 0; i < n; i++) {
      const tag = this.uvarint();
      const end = this.taggedFieldEnd();
      out.push({ tag, data: this.buf.subarray(this.offset, end) });
      this.offset = end;
    }
    return out;
  }
}
