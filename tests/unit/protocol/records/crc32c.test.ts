import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { crc32 } from "../../../../protocol/records/crc32.ts";
import { crc32c, crc32cUpdate } from "../../../../protocol/records/crc32c.ts";

/** Bit-at-a-time reference: the definition, with no tables to get wrong. */
function reference(poly: number, buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

const ascii = (s: string) => new TextEncoder().encode(s);

describe("CRC-32C (Castagnoli)", () => {
  test("RFC 3720 B.4 test vectors", () => {
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
    const iscsiRead = Uint8Array.from([
      0x01, 0xc0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x14, 0, 0, 0, 0, 0, 0x04, 0, 0, 0, 0,
      0x14, 0, 0, 0, 0x18, 0x28, 0, 0, 0, 0, 0, 0, 0, 0x02, 0, 0, 0, 0, 0, 0, 0,
    ]);
    expect(crc32c(iscsiRead)).toBe(0xd9963a56);
  });

  test("the common check value and the empty input", () => {
    expect(crc32c(ascii("123456789"))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });

  test("random buffers and sub-ranges agree with the bitwise definition", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), fc.nat(), (buf, a, b) => {
        const start = buf.length ? a % buf.length : 0;
        const end = start + (buf.length - start ? b % (buf.length - start + 1) : 0);
        expect(crc32c(buf)).toBe(reference(0x82f63b78, buf));
        expect(crc32c(buf, start, end)).toBe(reference(0x82f63b78, buf.subarray(start, end)));
      }),
      { numRuns: 500 },
    );
  });

  test("incremental updates equal one pass", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(), (buf, cut) => {
        const at = buf.length ? cut % buf.length : 0;
        expect(crc32cUpdate(crc32c(buf, 0, at), buf, at)).toBe(crc32c(buf));
      }),
    );
  });

  test("a range outside the buffer is a RangeError, not a wrong checksum", () => {
    expect(() => crc32c(new Uint8Array(4), 0, 5)).toThrow(RangeError);
    expect(() => crc32c(new Uint8Array(4), 3, 2)).toThrow(RangeError);
  });
});

describe("CRC-32 (IEEE) for legacy messages", () => {
  test("check value and random buffers against the definition", () => {
    expect(crc32(ascii("123456789"))).toBe(0xcbf43926);
    expect(crc32(ascii("The quick brown fox jumps over the lazy dog"))).toBe(0x414fa339);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (buf) => {
        expect(crc32(buf)).toBe(reference(0xedb88320, buf));
      }),
      { numRuns: 300 },
    );
  });
});
