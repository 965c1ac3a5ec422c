/**
 * The primitive layer: varints at their boundaries, zigzag, uuids in Java's format, strings in
 * UTF-8, length checks before allocation, tagged-field sizes that need more than one byte.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { ProtocolError } from "../../../protocol/codec/errors.ts";
import { Reader } from "../../../protocol/codec/reader.ts";
import { uuidFromString, uuidToString, ZERO_UUID } from "../../../protocol/codec/uuid.ts";
import {
  readUnsignedVarint,
  readUnsignedVarlong,
  readVarint,
  readVarlong,
  sizeOfUnsignedVarint,
  sizeOfVarint,
  sizeOfVarlong,
  writeUnsignedVarint,
  writeVarint,
  writeVarlong,
} from "../../../protocol/codec/varint.ts";
import { utf8Length, Writer } from "../../../protocol/codec/writer.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const bytes = (h: string) => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ""), "hex"));

function expectProtocolError(fn: () => unknown, code: ProtocolError["code"]): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    expect((e as ProtocolError).code).toBe(code);
    return;
  }
  throw new Error(`expected ProtocolError ${code}`);
}

describe("varints (protocol/codec/varint.ts)", () => {
  test("zigzag varints match the record format's examples", () => {
    // From Kafka's protocol guide / protobuf: 0→00, -1→01, 1→02, -2→03, 63→7e, -64→7f, 64→8001.
    const cases: [number, string][] = [
      [0, "00"],
      [-1, "01"],
      [1, "02"],
      [-2, "03"],
      [63, "7e"],
      [-64, "7f"],
      [64, "8001"],
      [2147483647, "feffffff0f"],
      [-2147483648, "ffffffff0f"],
    ];
    const buf = new Uint8Array(10);
    for (const [v, h] of cases) {
      const end = writeVarint(buf, 0, v);
      expect(hex(buf.subarray(0, end))).toBe(h);
      expect(sizeOfVarint(v)).toBe(end);
      const r = readVarint(bytes(h), 0);
      expect(r.value).toBe(v);
      expect(r.next).toBe(h.length / 2);
    }
  });

  test("varints and varlongs round-trip across their whole range", () => {
    const buf = new Uint8Array(10);
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (v) => {
        const end = writeVarint(buf, 0, v);
        const r = readVarint(buf, 0);
        return r.value === v && r.next === end && sizeOfVarint(v) === end;
      }),
    );
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (v) => {
        const end = writeVarlong(buf, 0, v);
        const r = readVarlong(buf, 0);
        return r.value === v && r.next === end && sizeOfVarlong(v) === end;
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (v) => {
        const end = writeUnsignedVarint(buf, 3, v);
        const r = readUnsignedVarint(buf, 3);
        return r.value === v && r.next === end && sizeOfUnsignedVarint(v) === end - 3;
      }),
    );
  });

  test("over-long or truncated varints are rejected", () => {
    expectProtocolError(() => readUnsignedVarint(bytes("ffffffff10"), 0), "invalid_value");
    expectProtocolError(() => readUnsignedVarint(bytes("ff"), 0), "truncated");
    expectProtocolError(
      () => readUnsignedVarlong(bytes("ffffffffffffffffff02"), 0),
      "invalid_value",
    );
    expectProtocolError(() => readVarlong(bytes("8080"), 0), "truncated");
    expect(readUnsignedVarlong(bytes("ffffffffffffffffff01"), 0).value).toBe(2n ** 64n - 1n);
  });
});

describe("Reader and Writer", () => {
  test("fixed-width integers are big-endian and sign-correct", () => {
    const w = new Writer(4); // tiny to force growth
    w.int8(-1);
    w.int16(-2);
    w.uint16(65535);
    w.int32(-3);
    w.uint32(4294967295);
    w.int64(-4n);
    w.float64(1.5);
    w.bool(true);
    const b = w.finish();
    expect(hex(b)).toBe(
      "ff" +
        "fffe" +
        "ffff" +
        "fffffffd" +
        "ffffffff" +
        "fffffffffffffffc" +
        "3ff8000000000000" +
        "01",
    );
    const r = new Reader(b);
    expect([
      r.int8(),
      r.int16(),
      r.uint16(),
      r.int32(),
      r.uint32(),
      r.int64(),
      r.float64(),
      r.bool(),
    ]).toEqual([-1, -2, 65535, -3, 4294967295, -4n, 1.5, true]);
    expect(r.remaining).toBe(0);
    expectProtocolError(() => r.int8(), "truncated");
  });

  test("strings: legacy int16 and compact lengths, null markers, UTF-8", () => {
    const w = new Writer();
    w.string("ab");
    w.nullableString(null);
    w.compactString("é");
    w.compactNullableString(null);
    expect(hex(w.finish())).toBe("00026162" + "ffff" + "03c3a9" + "00");
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 80 }), (s) => {
        w.reset();
        w.compactString(s);
        w.string(s);
        const r = new Reader(w.finish());
        return (
          r.compactString() === s && r.string() === s && utf8Length(s) === Buffer.byteLength(s)
        );
      }),
    );
  });

  test("a null where the type is not nullable is a ProtocolError", () => {
    expectProtocolError(() => new Reader(bytes("ffff")).string(), "invalid_value");
    expectProtocolError(() => new Reader(bytes("00")).compactString(), "invalid_value");
    expectProtocolError(() => new Reader(bytes("ffffffff")).bytes(), "invalid_value");
  });

  test("lengths are checked against the bytes left before anything is allocated", () => {
    expectProtocolError(() => new Reader(bytes("7fff61")).string(), "invalid_length");
    expectProtocolError(() => new Reader(bytes("7fffffff00")).bytes(), "invalid_length");
    expectProtocolError(() => new Reader(bytes("feffffff0f")).compactBytes(), "invalid_length");
    expectProtocolError(
      () => new Reader(bytes("7fffffff")).arrayLength(false, 1),
      "invalid_length",
    );
    expectProtocolError(
      () => new Reader(bytes("80000000")).arrayLength(false, 1),
      "invalid_length",
    );
    // 3 elements of at least 4 bytes cannot fit in 8 bytes.
    expectProtocolError(
      () => new Reader(bytes("00000003 0000000000000000")).arrayLength(false, 4),
      "invalid_length",
    );
    expect(new Reader(bytes("00000002 0000000000000000")).arrayLength(false, 4)).toBe(2);
    expect(new Reader(bytes("ffffffff")).arrayLength(false, 4)).toBe(-1);
    expect(new Reader(bytes("00")).arrayLength(true, 4)).toBe(-1);
  });

  test("bytes are zero-copy views of the input", () => {
    const input = bytes("00000003 010203 04");
    const v = new Reader(input).bytes();
    expect(v.buffer).toBe(input.buffer);
    expect([...v]).toEqual([1, 2, 3]);
  });

  test("a tagged field larger than 127 bytes gets a multi-byte size, data shifted intact", () => {
    const w = new Writer(8);
    w.int8(7);
    const mark = w.beginTaggedField(5);
    const data = new Uint8Array(300).map((_, i) => i & 0xff);
    w.raw(data);
    w.endTaggedField(mark);
    const r = new Reader(w.finish());
    expect(r.int8()).toBe(7);
    expect(r.uvarint()).toBe(5);
    const end = r.taggedFieldEnd();
    expect(end - r.offset).toBe(300);
    expect(r.raw(300)).toEqual(data);
  });

  test("finish() copies, view() aliases the reused buffer", () => {
    const w = new Writer();
    w.int32(1);
    const copy = w.finish();
    w.int32(2);
    const view = w.view();
    w.reset();
    w.int32(3);
    expect(hex(copy)).toBe("00000001");
    expect(hex(view)).toBe("00000003");
  });
});

describe("uuid", () => {
  test("formats like Java's Uuid.toString(): base64url without padding", () => {
    // Uuid(0x0102030405060708, 0x090a0b0c0d0e0f10).toString() == "AQIDBAUGBwgJCgsMDQ4PEA"
    const b = bytes("0102030405060708090a0b0c0d0e0f10");
    expect(uuidToString(b, 0)).toBe("AQIDBAUGBwgJCgsMDQ4PEA");
    expect(uuidToString(new Uint8Array(16), 0)).toBe(ZERO_UUID);
    const back = new Uint8Array(16);
    uuidFromString("AQIDBAUGBwgJCgsMDQ4PEA", back, 0);
    expect(back).toEqual(b);
    expect(uuidToString(bytes("ffffffffffffffffffffffffffffffff"), 0)).toBe(
      "_____________________w",
    );
  });

  test("rejects strings that are not a canonical 22-character uuid", () => {
    const out = new Uint8Array(16);
    expectProtocolError(() => uuidFromString("short", out, 0), "invalid_value");
    expectProtocolError(() => uuidFromString("AQIDBAUGBwgJCgsMDQ4PE=", out, 0), "invalid_value");
    expectProtocolError(() => uuidFromString("AQIDBAUGBwgJCgsMDQ4PEB", out, 0), "invalid_value");
  });
});
