/**
 * Test support: fast-check arbitraries for any Kafka message and version, built from the
 * same JSON schema the generator reads, plus a lookup of the generated codec functions.
 *
 * A generated message is complete as a decoder would return it: fields the version lacks
 * hold their schema default, so `decode(encode(m))` must equal `m`.
 */
import fc from "fast-check";
import type { Reader } from "../../../protocol/codec/reader.ts";
import { uuidToString, ZERO_UUID } from "../../../protocol/codec/uuid.ts";
import type { Writer } from "../../../protocol/codec/writer.ts";
import {
  defaultErrorCodesPath,
  defaultMessagesDir,
  loadMessages,
} from "../../../protocol/generate.ts";
import {
  type DefaultValue,
  type ElementType,
  type Field,
  inRange,
  type Message,
  type Primitive,
  type Struct,
} from "../../../protocol/generator/schema.ts";
import * as generated from "../../../protocol/messages/generated/index.ts";

export { defaultErrorCodesPath, defaultMessagesDir };

let cached: Message[] | undefined;
/** Every message definition (requests, responses, headers, data), parsed once. */
export function messages(): Message[] {
  cached ??= loadMessages(defaultMessagesDir());
  return cached;
}

export function versions(m: Message): number[] {
  const out: number[] = [];
  for (let v = m.validVersions.lo; v <= m.validVersions.hi; v++) out.push(v);
  return out;
}

export interface Codec {
  encode(w: Writer, m: unknown, version: number): void;
  decode(r: Reader, version: number): unknown;
}

/** The generated encode/decode pair of a message, found by its name. */
export function codecOf(m: Message): Codec {
  const table = generated as unknown as Record<string, unknown>;
  const encode = table[`encode${m.name}`];
  const decode = table[`decode${m.name}`];
  if (typeof encode !== "function" || typeof decode !== "function") {
    throw new Error(`no generated codec for ${m.name}`);
  }
  return { encode, decode } as Codec;
}

function isFlexible(m: Message, version: number): boolean {
  return inRange(m.flexibleVersions, version);
}

function primitiveDefault(p: Primitive, d: DefaultValue): unknown {
  switch (d.kind) {
    case "null":
      return null;
    case "number":
    case "bigint":
    case "bool":
    case "string":
      return d.value;
    case "empty":
      if (p === "uuid") return ZERO_UUID;
      if (p === "records") return null;
      return new Uint8Array(0);
  }
}

/** The value a decoder produces for a field the version lacks. */
export function defaultValue(f: Field): unknown {
  if (f.default.kind === "null") return null;
  if (f.type.kind === "array") return [];
  if (f.type.kind === "struct") return defaultStruct(f.type.struct);
  return primitiveDefault(f.type.primitive, f.default);
}

function defaultStruct(s: Struct): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of s.fields) out[f.name] = defaultValue(f);
  return out;
}

const int = (min: number, max: number) => fc.integer({ min, max });
// Mostly short values; now and then one past 127 bytes so compact lengths need two varint bytes.
const text = fc.oneof(
  { arbitrary: fc.string({ maxLength: 12 }), weight: 6 },
  { arbitrary: fc.string({ unit: "binary", maxLength: 6 }), weight: 3 },
  { arbitrary: fc.constant(""), weight: 2 },
  { arbitrary: fc.string({ minLength: 128, maxLength: 140 }), weight: 1 },
);
const blob = fc.oneof(
  { arbitrary: fc.uint8Array({ maxLength: 24 }), weight: 8 },
  { arbitrary: fc.uint8Array({ minLength: 127, maxLength: 300 }), weight: 1 },
);

function primitive(p: Primitive): fc.Arbitrary<unknown> {
  switch (p) {
    case "bool":
      return fc.boolean();
    case "int8":
      return int(-128, 127);
    case "int16":
      return int(-32768, 32767);
    case "uint16":
      return int(0, 65535);
    case "int32":
      return fc.oneof(int(-2147483648, 2147483647), int(-2, 2));
    case "uint32":
      return int(0, 4294967295);
    case "int64":
      return fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.bigInt(-2n, 2n));
    case "float64":
      return fc.double({ noNaN: true });
    case "string":
      return text;
    case "bytes":
    case "records":
      return blob;
    case "uuid":
      return fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => uuidToString(b, 0));
  }
}

interface Ctx {
  readonly message: Message;
  readonly version: number;
  readonly flexible: boolean;
}

function element(e: ElementType, ctx: Ctx, depth: number): fc.Arbitrary<unknown> {
  return e.kind === "primitive" ? primitive(e.primitive) : struct(e.struct, ctx, depth + 1);
}

function fieldValue(f: Field, ctx: Ctx, depth: number): fc.Arbitrary<unknown> {
  const t = f.type;
  let arb: fc.Arbitrary<unknown>;
  if (t.kind === "array") {
    arb = fc.array(element(t.element, ctx, depth), { maxLength: depth < 2 ? 3 : 1 });
  } else if (t.kind === "struct") {
    arb = struct(t.struct, ctx, depth + 1);
  } else {
    arb = primitive(t.primitive);
  }
  return inRange(f.nullableVersions, ctx.version) ? fc.option(arb, { nil: null, freq: 4 }) : arb;
}

/** Random unknown tagged fields (tags the struct does not know), ascending as a decoder sees them. */
function unknownTags(s: Struct): fc.Arbitrary<{ tag: number; data: Uint8Array }[] | undefined> {
  const known = new Set(s.fields.filter((f) => f.tag !== undefined).map((f) => f.tag));
  return fc.option(
    fc
      .uniqueArray(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 3 })
      .chain((tags) => {
        const sorted = tags.filter((t) => !known.has(t)).sort((a, b) => a - b);
        return fc.tuple(
          ...sorted.map((tag) => fc.uint8Array({ maxLength: 140 }).map((data) => ({ tag, data }))),
        );
      })
      .map((list) => (list.length === 0 ? undefined : list)),
    { nil: undefined, freq: 3 },
  );
}

function struct(s: Struct, ctx: Ctx, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const shape: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of s.fields) {
    shape[f.name] = inRange(f.versions, ctx.version)
      ? fieldValue(f, ctx, depth)
      : fc.constant(defaultValue(f));
  }
  const record = fc.record(shape);
  if (!ctx.flexible) return record;
  return fc
    .tuple(record, unknownTags(s))
    .map(([r, u]) => (u === undefined ? r : { ...r, _unknownTaggedFields: u }));
}

/** Arbitrary complete message of `m` in `version`. */
export function messageArbitrary(
  m: Message,
  version: number,
): fc.Arbitrary<Record<string, unknown>> {
  return struct(m.root, { message: m, version, flexible: isFlexible(m, version) }, 0);
}

/** A small seeded PRNG (xorshift32) so fuzz runs are reproducible from the printed seed. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  below(n: number): number {
    return this.next() % n;
  }
}
