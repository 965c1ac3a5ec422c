/**
 * The WebAssembly CRC-32C kernel, written as code that emits the module's bytes.
 *
 * There is no wasm toolchain in the repository, so this file is the source: a few helpers
 * encode the handful of instructions the kernel needs, and `assembleCrc32cWasm` lays out the
 * module. `crc32c-wasm-generate.ts` writes the result to `crc32c-wasm-bytes.ts`, which is what
 * runs; a unit test checks that the committed bytes equal a fresh assembly. Pure: no I/O.
 *
 * The module, in text format, for the shipped layout (CRC32C_WASM_LAYOUT):
 *
 *   (module
 *     (memory (export "memory") 2 2)     ;; fixed size: never grows, so JS views stay valid
 *     (func (export "update") (param $c i32) (param $p i32) (param $n i32) (result i32)
 *       ;; $c: the running register, already inverted. Tables T0..T15 at 0, 1 KiB apart;
 *       ;; the input is at [$p, $p + $n) in the window after them.
 *       ;; body, 16 bytes per step: word0 = i32.load(p) ^ c feeds T15..T12 (the serial
 *       ;;   chain); bytes 4..15 each feed T11..T0 via i32.load8_u, and are looked up one
 *       ;;   step ahead into three loop-carried locals (see `bodyStep` for why)
 *       ;; then while 4 bytes remain: slicing-by-4 with T3..T0
 *       ;; then byte at a time with T0
 *       ...))
 *
 * Other layouts (slicing-by-8, byte extraction by shifts, no look-ahead) exist so that
 * bench/crc32c.ts can compare them; docs/benchmarks.md has the figures behind the choice.
 *
 * Wasm memory is little-endian on every host, so the i32 loads match the byte order the
 * tables are built for, whatever the CPU.
 */

/** Where the tables and the input window live in the module's memory. */
export interface Crc32cWasmLayout {
  /** Table slices: 8 (8 KiB of tables, fold 8 bytes per step) or 16 (16 KiB, 16 bytes). */
  slices: 8 | 16;
  /** Bytes of input the caller may copy in per call, starting at `windowOffset`. */
  windowBytes: number;
  /**
   * How the bytes of the words that do not depend on the register reach the tables:
   * "shift" loads each word once and extracts bytes with shifts and masks; "load8" reads each
   * byte with its own i32.load8_u (fewer ALU instructions, more loads).
   */
  independentBytes: "shift" | "load8";
  /**
   * How word 0 (input xor register) reaches the tables: "shift" as above, or "store8": store it
   * back over the input and read its bytes with i32.load8_u (store-to-load forwarding).
   */
  dependentBytes: "shift" | "store8";
  /** Compute the next block's independent terms one step ahead (see `bodyStep`). */
  pipelined: boolean;
}

/** Byte offset of the input window: right after the tables. */
export function windowOffset(layout: Crc32cWasmLayout): number {
  return layout.slices * 1024;
}

/** The layout the shipped module uses; chosen by bench/crc32c.ts (see docs/benchmarks.md). */
export const CRC32C_WASM_LAYOUT: Crc32cWasmLayout = {
  slices: 16,
  windowBytes: 96 * 1024,
  independentBytes: "load8",
  dependentBytes: "shift",
  pipelined: true,
};

// --- Encoding helpers (WebAssembly core spec 1.0, binary format). ---

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

function name(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  return [...uleb(bytes.length), ...bytes];
}

/** A section: id, byte length, contents. */
function section(id: number, contents: number[]): number[] {
  return [id, ...uleb(contents.length), ...contents];
}

/** A vector: element count, then the elements' bytes. */
function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

const I32 = 0x7f;
const VOID_BLOCK = 0x40;

/** The instructions the kernel uses, by their spec names. */
const op = {
  block: [0x02, VOID_BLOCK],
  loop: [0x03, VOID_BLOCK],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  localGet: (i: number) => [0x20, ...uleb(i)],
  localSet: (i: number) => [0x21, ...uleb(i)],
  localTee: (i: number) => [0x22, ...uleb(i)],
  /** i32.load with alignment hint 2^2 and a constant offset added to the address. */
  i32Load: (offset: number) => [0x28, 0x02, ...uleb(offset)],
  i32Load8U: (offset: number) => [0x2d, 0x00, ...uleb(offset)],
  i32Store: (offset: number) => [0x36, 0x02, ...uleb(offset)],
  i32Const: (n: number) => [0x41, ...sleb(n)],
  i32GtU: [0x4b],
  i32GeU: [0x4f],
  i32Add: [0x6a],
  i32And: [0x71],
  i32Xor: [0x73],
  i32Shl: [0x74],
  i32ShrU: [0x76],
};

// Locals of `update`: three params, then scratch registers.
const C = 0;
const P = 1;
const N = 2;
const END = 3;
const BODY_END = 4;
const WORD0 = 5; // up to four words per step: locals 5..8
const AHEAD = 9; // pipelined: the next block's terms for words 1..3, locals 9..11

/**
 * Pushes T_k[byte `b` of local `w`]: the table index ×4 is built with one shift and one mask
 * (e.g. byte 1 → (w >>> 6) & 0x3fc), and T_k's base goes into the load's constant offset.
 */
function lookup(table: number, w: number, b: number): number[] {
  const index =
    b === 0
      ? [...op.localGet(w), ...op.i32Const(0xff), ...op.i32And, ...op.i32Const(2), ...op.i32Shl]
      : b === 3
        ? [...op.localGet(w), ...op.i32Const(24), ...op.i32ShrU, ...op.i32Const(2), ...op.i32Shl]
        : [
            ...op.localGet(w),
            ...op.i32Const(8 * b - 2),
            ...op.i32ShrU,
            ...op.i32Const(0x3fc),
            ...op.i32And,
          ];
  return [...index, ...op.i32Load(table * 1024)];
}

/**
 * Pushes the xor of the four look-ups for word k ≥ 1 of the block at p + `at`: bytes that do
 * not depend on the register. Byte b of word k is input byte 4k + b, folded with table
 * slices - 1 - 4k - b.
 */
function wordTerms(layout: Crc32cWasmLayout, at: number, k: number): number[] {
  const { slices } = layout;
  const code: number[] = [];
  const load8 = layout.independentBytes === "load8";
  if (!load8) code.push(...op.localGet(P), ...op.i32Load(at + 4 * k), ...op.localSet(WORD0 + k));
  for (let b = 0; b < 4; b++) {
    const table = slices - 1 - 4 * k - b;
    if (load8) {
      code.push(...op.localGet(P), ...op.i32Load8U(at + 4 * k + b));
      code.push(...op.i32Const(2), ...op.i32Shl, ...op.i32Load(table * 1024));
    } else {
      code.push(...lookup(table, WORD0 + k, b));
    }
    if (b > 0) code.push(...op.i32Xor);
  }
  return code;
}

/** Pipelined: stores each later word's terms for the block at p + `at` in its AHEAD local. */
function lookAhead(layout: Crc32cWasmLayout, at: number): number[] {
  const code: number[] = [];
  for (let k = 1; k < layout.slices / 4; k++) {
    code.push(...wordTerms(layout, at, k), ...op.localSet(AHEAD + k - 1));
  }
  return code;
}

/** Pushes the xor of the four look-ups for word 0 of the block at p, xored with c. */
function dependentTerms(layout: Crc32cWasmLayout): number[] {
  const code: number[] = [];
  if (layout.dependentBytes === "store8") {
    // mem[p] ^= c, then four byte loads: the window is our copy, so it may be overwritten.
    code.push(...op.localGet(P), ...op.localGet(P), ...op.i32Load(0), ...op.localGet(C));
    code.push(...op.i32Xor, ...op.i32Store(0));
    for (let b = 0; b < 4; b++) {
      code.push(...op.localGet(P), ...op.i32Load8U(b), ...op.i32Const(2), ...op.i32Shl);
      code.push(...op.i32Load((layout.slices - 1 - b) * 1024));
      if (b > 0) code.push(...op.i32Xor);
    }
    return code;
  }
  code.push(...op.localGet(P), ...op.i32Load(0), ...op.localGet(C), ...op.i32Xor);
  code.push(...op.localSet(WORD0));
  for (let b = 0; b < 4; b++) {
    code.push(...lookup(layout.slices - 1 - b, WORD0, b));
    if (b > 0) code.push(...op.i32Xor);
  }
  return code;
}

/**
 * One body step: fold `slices` bytes at p. Word 0 (xored with c) uses the highest tables.
 *
 * Pipelined, the terms of the next block's later words are computed in this step and carried
 * to the next in locals, one per word: the optimizing tier (JSC's B3) rebalances a long xor
 * chain into a tree with all loads first, which for 16 look-ups runs out of registers and
 * spills; loop-carried values split the chain into trees of four. The look-ahead may read up
 * to `slices` bytes past the input's end, which the memory's slack covers; those terms are
 * discarded.
 */
function bodyStep(layout: Crc32cWasmLayout): number[] {
  const { slices } = layout;
  const code: number[] = [];
  if (layout.pipelined) {
    code.push(...dependentTerms(layout));
    for (let k = 1; k < slices / 4; k++) code.push(...op.localGet(AHEAD + k - 1), ...op.i32Xor);
    code.push(...op.localSet(C), ...lookAhead(layout, slices));
  } else {
    for (let k = 1; k < slices / 4; k++) {
      code.push(...wordTerms(layout, 0, k));
      if (k > 1) code.push(...op.i32Xor);
    }
    code.push(...dependentTerms(layout), ...op.i32Xor, ...op.localSet(C));
  }
  code.push(...op.localGet(P), ...op.i32Const(slices), ...op.i32Add, ...op.localSet(P));
  return code;
}

function updateBody(layout: Crc32cWasmLayout): number[] {
  const { slices } = layout;
  const code: number[] = [];
  // end = p + n; bodyEnd = p + (n & -slices)
  code.push(...op.localGet(P), ...op.localGet(N), ...op.i32Add, ...op.localSet(END));
  code.push(...op.localGet(P), ...op.localGet(N), ...op.i32Const(-slices), ...op.i32And);
  code.push(...op.i32Add, ...op.localSet(BODY_END));
  if (layout.pipelined) code.push(...lookAhead(layout, 0));
  // block { loop { if p >= bodyEnd: break; step; continue } }
  code.push(...op.block, ...op.loop);
  code.push(...op.localGet(P), ...op.localGet(BODY_END), ...op.i32GeU, ...op.brIf(1));
  code.push(...bodyStep(layout), ...op.br(0), ...op.end, ...op.end);
  // At most slices - 1 bytes remain. block { loop { if p + 4 > end: break; fold 4 bytes with
  // T3..T0 (slicing-by-4); p += 4 } }: short inputs are common, so the tail matters.
  code.push(...op.block, ...op.loop);
  code.push(...op.localGet(P), ...op.i32Const(4), ...op.i32Add, ...op.localGet(END));
  code.push(...op.i32GtU, ...op.brIf(1));
  code.push(...op.localGet(P), ...op.i32Load(0), ...op.localGet(C), ...op.i32Xor);
  code.push(...op.localSet(WORD0));
  for (let b = 0; b < 4; b++) {
    code.push(...lookup(3 - b, WORD0, b));
    if (b > 0) code.push(...op.i32Xor);
  }
  code.push(...op.localSet(C));
  code.push(...op.localGet(P), ...op.i32Const(4), ...op.i32Add, ...op.localSet(P));
  code.push(...op.br(0), ...op.end, ...op.end);
  // block { loop { if p >= end: break; c = T0[(c ^ mem[p]) & 0xff] ^ (c >>> 8); p++ } }
  code.push(...op.block, ...op.loop);
  code.push(...op.localGet(P), ...op.localGet(END), ...op.i32GeU, ...op.brIf(1));
  code.push(
    ...op.localGet(C),
    ...op.localGet(P),
    ...op.i32Load8U(0),
    ...op.i32Xor,
    ...op.i32Const(0xff),
    ...op.i32And,
    ...op.i32Const(2),
    ...op.i32Shl,
    ...op.i32Load(0),
    ...op.localGet(C),
    ...op.i32Const(8),
    ...op.i32ShrU,
    ...op.i32Xor,
    ...op.localSet(C),
  );
  code.push(...op.localGet(P), ...op.i32Const(1), ...op.i32Add, ...op.localSet(P));
  code.push(...op.br(0), ...op.end, ...op.end);
  code.push(...op.localGet(C), ...op.end);
  // Locals beyond the params: end, bodyEnd, four words and three look-ahead terms.
  const locals = vec([[...uleb(9), I32]]);
  const fn = [...locals, ...code];
  return [...uleb(fn.length), ...fn];
}

/** The module's bytes for `layout`. */
export function assembleCrc32cWasm(layout: Crc32cWasmLayout = CRC32C_WASM_LAYOUT): Uint8Array {
  // `slices` bytes of slack after the window for the pipelined look-ahead.
  const pages = Math.ceil((windowOffset(layout) + layout.windowBytes + layout.slices) / 65536);
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d], // "\0asm"
    ...[0x01, 0x00, 0x00, 0x00], // version 1
    // type 0: (i32, i32, i32) -> i32
    ...section(1, vec([[0x60, ...vec([[I32], [I32], [I32]]), ...vec([[I32]])]])),
    // function 0 has type 0
    ...section(3, vec([uleb(0)])),
    // memory 0: limits flag 1 = min and max, both `pages`
    ...section(5, vec([[0x01, ...uleb(pages), ...uleb(pages)]])),
    // exports: "memory" = memory 0 (kind 2), "update" = function 0 (kind 0)
    ...section(
      7,
      vec([
        [...name("memory"), 0x02, 0x00],
        [...name("update"), 0x00, 0x00],
      ]),
    ),
    ...section(10, vec([updateBody(layout)])),
  ];
  return Uint8Array.from(bytes);
}

/** Base64 without btoa, so the generator runs anywhere. */
function base64(bytes: Uint8Array): string {
  const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += abc[n >>> 18]! + abc[(n >>> 12) & 63]!;
    out += i + 1 < bytes.length ? abc[(n >>> 6) & 63]! : "=";
    out += i + 2 < bytes.length ? abc[n & 63]! : "=";
  }
  return out;
}

/** The text of crc32c-wasm-bytes.ts: the module and the layout it was assembled for. */
export function renderCrc32cWasmFile(layout: Crc32cWasmLayout = CRC32C_WASM_LAYOUT): string {
  const bytes = assembleCrc32cWasm(layout);
  return [
    "// Generated by protocol/records/crc32c-wasm-generate.ts from crc32c-wasm-source.ts.",
    "// DO NOT EDIT: change the source and run `bun protocol/records/crc32c-wasm-generate.ts`.",
    "",
    "/** Table slices T0..T(n-1), 1 KiB each from address 0. */",
    `export const CRC32C_WASM_SLICES = ${layout.slices};`,
    "/** Where the caller copies input, and how much fits. */",
    `export const CRC32C_WASM_WINDOW_OFFSET = ${windowOffset(layout)};`,
    `export const CRC32C_WASM_WINDOW_BYTES = ${layout.windowBytes};`,
    `/** The module, ${bytes.length} bytes; exports "memory" and "update"(c, p, n). */`,
    "export const CRC32C_WASM_BASE64 =",
    `  "${base64(bytes)}";`,
    "",
  ].join("\n");
}
