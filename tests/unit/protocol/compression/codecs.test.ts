import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { ProtocolError } from "../../../../protocol/codec/errors.ts";
import {
  CompressionCodec,
  type CompressionCodecId,
} from "../../../../protocol/compression/codec-id.ts";
import { compress, decompress, setGzipInflater } from "../../../../protocol/compression/index.ts";
import { snappyCompressRaw } from "../../../../protocol/compression/snappy.ts";
import { xxhash32 } from "../../../../protocol/compression/xxhash32.ts";
import { zstdDecompressedBound } from "../../../../protocol/compression/zstd.ts";
import { RecordsError, type RecordsErrorReason } from "../../../../protocol/records/errors.ts";

const CODECS: [string, CompressionCodecId][] = [
  ["none", CompressionCodec.none],
  ["gzip", CompressionCodec.gzip],
  ["snappy", CompressionCodec.snappy],
  ["lz4", CompressionCodec.lz4],
  ["zstd", CompressionCodec.zstd],
];

/** Text-like data with repeats, plus random bytes, of lengths around block boundaries. */
const payload = fc.oneof(
  fc.uint8Array({ maxLength: 3000 }),
  fc
    .tuple(
      fc.array(fc.string({ maxLength: 20 }), { maxLength: 50 }),
      fc.integer({ min: 1, max: 3000 }),
    )
    .map(([words, n]) =>
      new TextEncoder().encode(
        Array.from({ length: n }, (_, i) => words[i % (words.length || 1)] ?? "x").join(" "),
      ),
    ),
);

function expectReason(f: () => unknown, reason: RecordsErrorReason): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(RecordsError);
    expect((e as RecordsError).reason).toBe(reason);
    return;
  }
  throw new Error(`expected RecordsError(${reason})`);
}

describe("every codec round-trips", () => {
  for (const [name, codec] of CODECS) {
    test(name, () => {
      fc.assert(
        fc.property(payload, (data) => {
          expect(decompress(codec, compress(codec, data))).toEqual(data);
        }),
        { numRuns: 120 },
      );
    });
  }

  test("multi-block inputs (xerial 32 KiB, lz4 64 KiB, zstd 128 KiB blocks)", () => {
    const data = new Uint8Array(700_000);
    for (let i = 0; i < data.length; i++)
      data[i] = (i * 2654435761) >>> 27 < 3 ? i & 0xff : 97 + (i % 7);
    for (const [, codec] of CODECS) expect(decompress(codec, compress(codec, data))).toEqual(data);
  });

  test("snappy without xerial framing (librdkafka style) is accepted", () => {
    const data = new TextEncoder().encode("raw snappy ".repeat(1000));
    expect(decompress(CompressionCodec.snappy, snappyCompressRaw(data))).toEqual(data);
  });
});

describe("decompression bombs stop at the cap with a typed error", () => {
  const zeros = new Uint8Array(8 << 20);
  const cap = { maxOutputBytes: 1 << 20 };

  for (const [name, codec] of CODECS) {
    test(`${name}: 8 MiB of zeros against a 1 MiB cap`, () => {
      const bomb = compress(codec, zeros);
      expectReason(() => decompress(codec, bomb, cap), "decompression_limit");
    });
  }

  test("gzip whose trailer lies about its size is still stopped while inflating", () => {
    const bomb = compress(CompressionCodec.gzip, zeros);
    new DataView(bomb.buffer, bomb.byteOffset).setUint32(bomb.length - 4, 100, true);
    expectReason(() => decompress(CompressionCodec.gzip, bomb, cap), "decompression_limit");
  });

  test("gzip uses an installed bounded inflater for large inputs", () => {
    const data = new Uint8Array(300_000).map((_, i) => (i * 7919) & 0xff);
    const gz = compress(CompressionCodec.gzip, data);
    let calls = 0;
    setGzipInflater((src, max) => {
      calls++;
      const out = Bun.gunzipSync(src as Uint8Array<ArrayBuffer>);
      if (out.length > max) throw new Error("Cannot create a Buffer larger than max");
      return out;
    });
    try {
      expect(decompress(CompressionCodec.gzip, gz, { maxOutputBytes: 1 << 20 })).toEqual(data);
      expect(calls).toBe(1);
    } finally {
      setGzipInflater(null);
    }
  });

  test("zstd RLE blocks claiming 128 MiB are refused from their headers alone", () => {
    const blocks = 1000;
    const frame = new Uint8Array(6 + blocks * 4);
    frame.set([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58]);
    for (let b = 0; b < blocks; b++) {
      const h = ((128 * 1024) << 3) | (1 << 1) | (b === blocks - 1 ? 1 : 0);
      frame.set([h & 0xff, (h >>> 8) & 0xff, (h >>> 16) & 0xff, 0x41], 6 + b * 4);
    }
    expect(zstdDecompressedBound(frame)).toBe(blocks * 128 * 1024);
    expectReason(() => decompress(CompressionCodec.zstd, frame, cap), "decompression_limit");
  });

  test("snappy declaring 2 GiB in its preamble", () => {
    expectReason(
      () => decompress(CompressionCodec.snappy, new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x08, 0])),
      "decompression_limit",
    );
  });

  test("uncompressed data above the cap", () => {
    expectReason(
      () => decompress(CompressionCodec.none, new Uint8Array(10), { maxOutputBytes: 5 }),
      "decompression_limit",
    );
  });
});

describe("corrupt compressed data is a typed error", () => {
  for (const [name, codec] of CODECS.slice(1)) {
    test(`${name}: random bytes and damaged frames`, () => {
      const good = compress(
        codec,
        new TextEncoder().encode("hello hello hello hello ".repeat(200)),
      );
      fc.assert(
        fc.property(
          fc.uint8Array({ maxLength: 200 }),
          fc.nat(),
          fc.integer({ min: 1, max: 255 }),
          (junk, at, xor) => {
            for (const input of [junk, good.slice(0, at % good.length), flip(good, at, xor)]) {
              try {
                decompress(codec, input, { maxOutputBytes: 1 << 20 });
              } catch (e) {
                expect(e).toBeInstanceOf(ProtocolError);
              }
            }
          },
        ),
        { numRuns: 150 },
      );
    });
  }

  test("snappy literal lengths with the top bit set end in an error, not a loop", () => {
    // Tag 0xfc takes a 4-byte literal length; 0xfffffff0 read as a signed int would send
    // the cursor backwards forever (snappyjs does that, hanging the caller).
    const hostile = Uint8Array.from([10, 0xfc, 0xf0, 0xff, 0xff, 0xff, 1, 2, 3]);
    expectReason(() => decompress(CompressionCodec.snappy, hostile), "bad_compressed_data");
  });

  test("snappy copies must stay inside the declared length and behind the cursor", () => {
    // "ab" then a 1-byte-offset copy of 4 at offset 2 gives "ababab" (overlapping copy).
    const ok = Uint8Array.from([6, 0x04, 0x61, 0x62, 0x01, 0x02]);
    expect(new TextDecoder().decode(decompress(CompressionCodec.snappy, ok))).toBe("ababab");
    const short = Uint8Array.from([5, 0x04, 0x61, 0x62, 0x01, 0x02]);
    expectReason(() => decompress(CompressionCodec.snappy, short), "bad_compressed_data");
    const ahead = Uint8Array.from([6, 0x04, 0x61, 0x62, 0x01, 0x03]);
    expectReason(() => decompress(CompressionCodec.snappy, ahead), "bad_compressed_data");
    const missing = Uint8Array.from([7, 0x04, 0x61, 0x62, 0x01, 0x02]);
    expectReason(() => decompress(CompressionCodec.snappy, missing), "bad_compressed_data");
  });

  test("unknown codec ids", () => {
    expectReason(() => decompress(5, new Uint8Array(1)), "unsupported_codec");
  });
});

function flip(b: Uint8Array, at: number, xor: number): Uint8Array {
  const c = b.slice();
  c[at % c.length]! ^= xor;
  return c;
}

/** Hand-built LZ4 frame: `flags`, 64 KiB blocks, then `blocks`, end mark, optional content checksum. */
function lz4Frame(flags: number, blocks: Uint8Array[], content?: Uint8Array): Uint8Array {
  const head = [0x04, 0x22, 0x4d, 0x18, flags, 0x40];
  const hc = (xxhash32(Uint8Array.from(head), 4, 6) >>> 8) & 0xff;
  const parts = [...head, hc];
  for (const b of blocks) parts.push(...b);
  parts.push(0, 0, 0, 0);
  if (content) {
    const h = xxhash32(content);
    parts.push(h & 0xff, (h >>> 8) & 0xff, (h >>> 16) & 0xff, h >>> 24);
  }
  return Uint8Array.from(parts);
}

describe("lz4 frames other clients may send", () => {
  const text = new TextEncoder().encode("abcdefgh");
  const rawBlock = Uint8Array.from([8, 0, 0, 0x80, ...text]);
  // 0 literals + match of 8 at distance 8, then a final literal "!".
  const linkedBlock = Uint8Array.from([5, 0, 0, 0, 0x04, 8, 0, 0x10, 0x21]);

  test("linked blocks may copy from the previous block", () => {
    const frame = lz4Frame(0x40, [rawBlock, linkedBlock]);
    expect(new TextDecoder().decode(decompress(CompressionCodec.lz4, frame))).toBe(
      "abcdefghabcdefgh!",
    );
  });

  test("independent blocks may not", () => {
    const frame = lz4Frame(0x60, [rawBlock, linkedBlock]);
    expectReason(() => decompress(CompressionCodec.lz4, frame), "bad_compressed_data");
  });

  test("content checksums are verified", () => {
    const ok = lz4Frame(0x64, [rawBlock], text);
    expect(decompress(CompressionCodec.lz4, ok)).toEqual(text);
    const bad = ok.slice();
    bad[bad.length - 1]! ^= 1;
    expectReason(() => decompress(CompressionCodec.lz4, bad), "bad_compressed_data");
  });

  test("block checksums are verified", () => {
    const sum = xxhash32(text);
    const block = Uint8Array.from([
      ...rawBlock,
      sum & 0xff,
      (sum >>> 8) & 0xff,
      (sum >>> 16) & 0xff,
      sum >>> 24,
    ]);
    expect(decompress(CompressionCodec.lz4, lz4Frame(0x70, [block]))).toEqual(text);
    block[block.length - 1]! ^= 1;
    expectReason(
      () => decompress(CompressionCodec.lz4, lz4Frame(0x70, [block])),
      "bad_compressed_data",
    );
  });

  test("a header checksum over the magic (Kafka < 0.10) only passes in legacy mode", () => {
    const good = compress(CompressionCodec.lz4, text);
    const legacy = good.slice();
    legacy[6] = (xxhash32(legacy, 0, 6) >>> 8) & 0xff;
    expectReason(() => decompress(CompressionCodec.lz4, legacy), "bad_compressed_data");
    expect(decompress(CompressionCodec.lz4, legacy, { legacyLz4HeaderChecksum: true })).toEqual(
      text,
    );
  });
});
