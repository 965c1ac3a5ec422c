import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { crc32 } from "../../../../protocol/records/crc32.ts";
import { crc32c, crc32cUpdate } from "../../../../protocol/records/crc32c.ts";
import { CRC32C_TABLE, crc32cTableKernel } from "../../../../protocol/records/crc32c-table.ts";
import {
  CRC32C_WASM_MIN_BYTES,
  type Crc32cKernel,
  crc32cWasmKernel,
} from "../../../../protocol/records/crc32c-wasm.ts";
import { CRC32C_WASM_WINDOW_BYTES } from "../../../../protocol/records/crc32c-wasm-bytes.ts";
import {
  assembleCrc32cWasm,
  CRC32C_WASM_LAYOUT,
  type Crc32cWasmLayout,
  renderCrc32cWasmFile,
  windowOffset,
} from "../../../../protocol/records/crc32c-wasm-source.ts";

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

/** Deterministic pseudo-random bytes (xorshift), so a failure reproduces. */
function bytes(n: number, seed = n + 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed | 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** A kernel's CRC of buf[start, end), as crc32c reports it. */
const viaKernel = (k: Crc32cKernel, buf: Uint8Array, start = 0, end = buf.length) =>
  ~k(-1, buf, start, end) >>> 0;

describe("CRC-32C kernels: JS tables and WebAssembly", () => {
  test("the WebAssembly kernel loads in Bun (otherwise everything silently runs on JS)", () => {
    expect(crc32cWasmKernel()).not.toBeNull();
  });

  const kernels: [string, Crc32cKernel][] = [
    ["js tables", crc32cTableKernel],
    ["wasm", crc32cWasmKernel()!],
  ];
  for (const [name, k] of kernels) {
    test(`${name}: every length 0..100 at every start 0..7, in a buffer at an odd byteOffset`, () => {
      const backing = bytes(300, 7);
      const buf = backing.subarray(3, 3 + 120); // byteOffset 3: no start is word-aligned by luck
      for (let start = 0; start < 8; start++) {
        for (let len = 0; len <= 100; len++) {
          const want = reference(0x82f63b78, buf.subarray(start, start + len));
          expect([start, len, viaKernel(k, buf, start, start + len)]).toEqual([start, len, want]);
        }
      }
    });

    test(`${name}: a range of a buffer larger than the wasm window, and one spanning chunks`, () => {
      const big = bytes(2 * CRC32C_WASM_WINDOW_BYTES + 1000, 11);
      for (const [start, end] of [
        [5, 305],
        [CRC32C_WASM_WINDOW_BYTES - 7, CRC32C_WASM_WINDOW_BYTES + 9],
        [1, big.length],
        [CRC32C_WASM_WINDOW_BYTES, 2 * CRC32C_WASM_WINDOW_BYTES + 1],
      ] as const) {
        expect(viaKernel(k, big, start, end)).toBe(reference(0x82f63b78, big.subarray(start, end)));
      }
    });
  }

  test("batches inside a larger request buffer: each range checksums alone", () => {
    // Below the window size, but mostly outside the range: the wasm kernel copies only the range.
    const request = bytes(20_000, 17);
    for (const [start, end] of [
      [61, 61 + 300],
      [9_000, 9_000 + 2_500],
      [20_000 - 700, 20_000],
      [3, 20_000 - 1_100],
    ] as const) {
      const want = reference(0x82f63b78, request.subarray(start, end));
      expect(crc32c(request, start, end)).toBe(want);
      expect(viaKernel(crc32cWasmKernel()!, request, start, end)).toBe(want);
    }
  });

  test("crc32c agrees with the definition at lengths around the JS/wasm switch", () => {
    const buf = bytes(CRC32C_WASM_MIN_BYTES + 40, 5).subarray(1);
    for (let len = CRC32C_WASM_MIN_BYTES - 20; len <= CRC32C_WASM_MIN_BYTES + 20; len++) {
      for (const start of [0, 1, 2, 3, 4, 8]) {
        const want = reference(0x82f63b78, buf.subarray(start, start + len));
        expect(crc32c(buf, start, start + len)).toBe(want);
      }
    }
  });

  test("buffers at the wasm window size: the whole-buffer copy and the chunked path agree", () => {
    for (const n of [
      CRC32C_WASM_WINDOW_BYTES - 1,
      CRC32C_WASM_WINDOW_BYTES,
      CRC32C_WASM_WINDOW_BYTES + 1,
    ]) {
      const buf = bytes(n, n);
      expect(crc32c(buf)).toBe(viaKernel(crc32cTableKernel, buf));
      expect(crc32c(buf, 21)).toBe(viaKernel(crc32cTableKernel, buf, 21));
      expect(crc32c(buf, 0, n - 3)).toBe(viaKernel(crc32cTableKernel, buf, 0, n - 3));
    }
  });

  test("a short input after a long one is not affected by what the long one left in the window", () => {
    const long = bytes(CRC32C_WASM_WINDOW_BYTES, 99);
    const short = bytes(CRC32C_WASM_MIN_BYTES + 3, 100);
    crc32c(long);
    expect(crc32c(short)).toBe(reference(0x82f63b78, short));
    crc32c(new Uint8Array(CRC32C_WASM_WINDOW_BYTES).fill(0xff));
    expect(crc32c(short)).toBe(reference(0x82f63b78, short));
  });

  test("incremental updates equal one pass across kernels, windows and chunk boundaries", () => {
    const buf = bytes(3 * CRC32C_WASM_WINDOW_BYTES + 17, 3);
    const whole = viaKernel(crc32cTableKernel, buf);
    fc.assert(
      fc.property(fc.nat(buf.length), fc.nat(buf.length), (a, b) => {
        const [x, y] = a <= b ? [a, b] : [b, a];
        expect(crc32cUpdate(crc32cUpdate(crc32c(buf, 0, x), buf, x, y), buf, y)).toBe(whole);
      }),
      { numRuns: 60 },
    );
  });

  test("input on a SharedArrayBuffer, and a Buffer, checksum like a plain Uint8Array", () => {
    const plain = bytes(5000, 42);
    const shared = new Uint8Array(new SharedArrayBuffer(5003), 3, 5000);
    shared.set(plain);
    expect(crc32c(shared, 1)).toBe(crc32c(plain, 1));
    expect(crc32c(Buffer.from(plain), 1)).toBe(crc32c(plain, 1));
  });
});

describe("the WebAssembly module's generator", () => {
  test("the committed crc32c-wasm-bytes.ts equals a fresh generator run", () => {
    const committed = readFileSync(
      join(import.meta.dir, "../../../../protocol/records/crc32c-wasm-bytes.ts"),
      "utf8",
    );
    expect(committed).toBe(renderCrc32cWasmFile());
  });

  /** Every layout the assembler offers (the bench compares them) computes CRC-32C. */
  const layouts: Crc32cWasmLayout[] = [];
  for (const slices of [8, 16] as const)
    for (const independentBytes of ["shift", "load8"] as const)
      for (const dependentBytes of ["shift", "store8"] as const)
        for (const pipelined of [false, true])
          layouts.push({ slices, windowBytes: 4096, independentBytes, dependentBytes, pipelined });
  test("every layout variant agrees with the definition for lengths 0..100", () => {
    for (const layout of layouts) {
      const instance = new WebAssembly.Instance(new WebAssembly.Module(assembleCrc32cWasm(layout)));
      const memory = instance.exports.memory as WebAssembly.Memory;
      const update = instance.exports.update as (c: number, p: number, n: number) => number;
      new Int32Array(memory.buffer).set(CRC32C_TABLE.subarray(0, layout.slices * 256));
      const mem = new Uint8Array(memory.buffer);
      mem.fill(0xa5, windowOffset(layout)); // junk past the input must not matter
      for (let len = 0; len <= 100; len++) {
        const input = bytes(len, len + 1000);
        const at = windowOffset(layout) + (len % 5); // unaligned starts too
        mem.set(input, at);
        const got = ~update(-1, at, len) >>> 0;
        expect([JSON.stringify(layout), len, got]).toEqual([
          JSON.stringify(layout),
          len,
          reference(0x82f63b78, input),
        ]);
      }
    }
  });

  test("the shipped layout is the one the committed module was assembled from", () => {
    expect(CRC32C_WASM_WINDOW_BYTES).toBe(CRC32C_WASM_LAYOUT.windowBytes);
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
