/**
 * Parses Apache Kafka's message definition JSON (messages/*.json, JSON with `//` comments)
 * into a normalized model used by the code generator (protocol/generate.ts) and by the tests
 * that build random messages from the same schema. Pure: takes file contents, does no I/O.
 */

/** Inclusive version range; `lo > hi` is the empty range ("none"). */
export interface Range {
  readonly lo: number;
  readonly hi: number;
}

export const NONE: Range = { lo: 1, hi: 0 };
const MAX = 0x7fff;

export function parseRange(spec: string | undefined, what: string): Range {
  if (spec === undefined || spec === "none") return NONE;
  const s = spec.trim();
  let m = /^(\d+)\+$/.exec(s);
  if (m) return { lo: Number(m[1]), hi: MAX };
  m = /^(\d+)-(\d+)$/.exec(s);
  if (m) return { lo: Number(m[1]), hi: Number(m[2]) };
  m = /^(\d+)$/.exec(s);
  if (m) return { lo: Number(m[1]), hi: Number(m[1]) };
  throw new Error(`bad version range ${JSON.stringify(spec)} in ${what}`);
}

export function inRange(r: Range, v: number): boolean {
  return v >= r.lo && v <= r.hi;
}

export function intersect(a: Range, b: Range): Range {
  return { lo: Math.max(a.lo, b.lo), hi: Math.min(a.hi, b.hi) };
}

export function isEmpty(r: Range): boolean {
  return r.lo > r.hi;
}

export type Primitive =
  | "bool"
  | "int8"
  | "int16"
  | "uint16"
  | "int32"
  | "uint32"
  | "int64"
  | "float64"
  | "string"
  | "bytes"
  | "records"
  | "uuid";

const PRIMITIVES = new Set<string>([
  "bool",
  "int8",
  "int16",
  "uint16",
  "int32",
  "uint32",
  "int64",
  "float64",
  "string",
  "bytes",
  "records",
  "uuid",
]);

export type FieldType =
  | { readonly kind: "primitive"; readonly primitive: Primitive }
  | { readonly kind: "struct"; readonly struct: Struct }
  | { readonly kind: "array"; readonly element: ElementType };

export type ElementType =
  | { readonly kind: "primitive"; readonly primitive: Primitive }
  | { readonly kind: "struct"; readonly struct: Struct };

/** A field's schema default, already parsed for its type. */
export type DefaultValue =
  | { readonly kind: "null" }
  | { readonly kind: "number"; readonly value: number }
  | { readonly kind: "bigint"; readonly value: bigint }
  | { readonly kind: "bool"; readonly value: boolean }
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "empty" }; // bytes: empty; array: []; struct: all defaults; uuid: zero; records: null

export interface Field {
  /** JSON name, e.g. "ThrottleTimeMs". */
  readonly jsonName: string;
  /** camelCase TypeScript property name. */
  readonly name: string;
  readonly type: FieldType;
  /** Versions where the field exists (clipped to the message's valid versions). */
  readonly versions: Range;
  readonly nullableVersions: Range;
  /** Set for tagged fields. */
  readonly tag: number | undefined;
  readonly taggedVersions: Range;
  readonly ignorable: boolean;
  readonly default: DefaultValue;
  /** Field-level flexibleVersions override (only RequestHeader.ClientId uses it: "none"). */
  readonly flexibleVersions: Range | undefined;
  readonly about: string;
}

export interface Struct {
  /** JSON struct name, e.g. "TopicProduceData". */
  readonly jsonName: string;
  /** Unique TypeScript type name. */
  tsName: string;
  fields: Field[];
  /** Versions in which the struct can appear (the message's valid versions). */
  readonly versions: Range;
}

export interface Message {
  readonly name: string;
  readonly type: "request" | "response" | "header" | "data";
  readonly apiKey: number | undefined;
  readonly validVersions: Range;
  readonly flexibleVersions: Range;
  readonly listeners: readonly string[];
  readonly latestVersionUnstable: boolean;
  readonly deprecatedVersions: Range;
  readonly root: Struct;
  /** Every struct of the message, root first, each once. */
  readonly structs: readonly Struct[];
}

/** Removes `//` comments outside strings. */
export function stripComments(text: string): string {
  let out = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === "\\") {
        out += text[++i] ?? "";
      } else if (c === '"') {
        inString = false;
      }
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      out += "\n";
    } else {
      out += c;
    }
  }
  return out;
}

interface RawField {
  name: string;
  type: string;
  versions?: string;
  nullableVersions?: string;
  taggedVersions?: string;
  tag?: number | string;
  default?: string | number | boolean;
  ignorable?: boolean;
  fields?: RawField[];
  flexibleVersions?: string;
  about?: string;
}

interface RawMessage {
  name: string;
  type: string;
  apiKey?: number;
  validVersions: string;
  flexibleVersions: string;
  fields: RawField[];
  commonStructs?: { name: string; versions?: string; fields: RawField[] }[];
  listeners?: string[];
  latestVersionUnstable?: boolean;
  deprecatedVersions?: string;
}

export function camelCase(name: string): string {
  // "ThrottleTimeMs" → "throttleTimeMs", "isKRaftController" stays, "UUID" → "uuid".
  const m = /^[A-Z]+(?=[A-Z][a-z]|$)|^[A-Z]/.exec(name);
  if (!m) return name;
  return m[0].toLowerCase() + name.slice(m[0].length);
}

function parseDefault(
  raw: RawField,
  type: FieldType,
  nullable: Range,
  where: string,
): DefaultValue {
  const d = raw.default;
  if (type.kind !== "primitive") {
    if (d === "null") return { kind: "null" };
    if (d !== undefined && d !== "") throw new Error(`unsupported default ${d} on ${where}`);
    return { kind: "empty" };
  }
  const p = type.primitive;
  if (d === "null") {
    if (isEmpty(nullable)) throw new Error(`null default on non-nullable ${where}`);
    return { kind: "null" };
  }
  switch (p) {
    case "bool":
      return { kind: "bool", value: d === true || d === "true" };
    case "int8":
    case "int16":
    case "uint16":
    case "int32":
    case "uint32":
    case "float64": {
      if (d === undefined || d === "") return { kind: "number", value: 0 };
      const value = Number(typeof d === "string" ? d.trim() : d);
      if (!Number.isFinite(value)) throw new Error(`bad default ${d} on ${where}`);
      return { kind: "number", value };
    }
    case "int64": {
      if (d === undefined || d === "") return { kind: "bigint", value: 0n };
      return { kind: "bigint", value: BigInt(typeof d === "string" ? d.trim() : d) };
    }
    case "string":
      return { kind: "string", value: d === undefined ? "" : String(d) };
    case "records":
      return { kind: "null" };
    case "bytes":
    case "uuid":
      if (d !== undefined && d !== "") throw new Error(`unsupported default ${d} on ${where}`);
      return { kind: "empty" };
  }
}

/** Parses one message file's text. `prefixStructs` makes struct type names unique. */
export function parseMessage(text: string): Message {
  const raw = JSON.parse(stripComments(text)) as RawMessage;
  const validVersions = parseRange(raw.validVersions, raw.name);
  const flexibleVersions = parseRange(raw.flexibleVersions, raw.name);
  const structs: Struct[] = [];
  const byName = new Map<string, Struct>();
  const pending: { raw: RawField[]; struct: Struct }[] = [];

  const tsNameOf = (jsonName: string) =>
    jsonName.startsWith(raw.name) ? jsonName : `${raw.name}${jsonName}`;

  const declare = (jsonName: string, fields: RawField[]): Struct => {
    if (byName.has(jsonName)) throw new Error(`duplicate struct ${jsonName} in ${raw.name}`);
    const s: Struct = { jsonName, tsName: tsNameOf(jsonName), fields: [], versions: validVersions };
    byName.set(jsonName, s);
    structs.push(s);
    pending.push({ raw: fields, struct: s });
    return s;
  };

  const root = declare(raw.name, raw.fields);
  root.tsName = raw.name;
  for (const c of raw.commonStructs ?? []) declare(c.name, c.fields);

  // Declare inline structs before resolving so references can point at any of them.
  const declareInline = (fields: RawField[]) => {
    for (const f of fields) {
      if (f.fields) {
        declare(f.type.replace(/^\[\]/, ""), f.fields);
        declareInline(f.fields);
      }
    }
  };
  declareInline(raw.fields);
  for (const c of raw.commonStructs ?? []) declareInline(c.fields);

  const resolveType = (typeName: string, where: string): FieldType => {
    const isArray = typeName.startsWith("[]");
    const base = isArray ? typeName.slice(2) : typeName;
    let element: ElementType;
    if (PRIMITIVES.has(base)) {
      element = { kind: "primitive", primitive: base as Primitive };
    } else {
      const struct = byName.get(base);
      if (!struct) throw new Error(`unknown type ${typeName} at ${where}`);
      element = { kind: "struct", struct };
    }
    if (isArray) return { kind: "array", element };
    return element;
  };

  for (const { raw: fields, struct } of pending) {
    struct.fields = fields.map((f) => {
      const where = `${raw.name}.${f.name}`;
      const type = resolveType(f.type, where);
      const versions = intersect(parseRange(f.versions, where), validVersions);
      const nullableVersions = parseRange(f.nullableVersions, where);
      const taggedVersions = f.tag === undefined ? NONE : parseRange(f.taggedVersions, where);
      return {
        jsonName: f.name,
        name: camelCase(f.name),
        type,
        versions,
        nullableVersions,
        // Some files spell the tag as a string ("tag": "0").
        tag: f.tag === undefined ? undefined : Number(f.tag),
        taggedVersions,
        ignorable: f.ignorable === true,
        default: parseDefault(f, type, nullableVersions, where),
        flexibleVersions:
          f.flexibleVersions === undefined ? undefined : parseRange(f.flexibleVersions, where),
        about: f.about ?? "",
      };
    });
  }

  const type = raw.type;
  if (type !== "request" && type !== "response" && type !== "header" && type !== "data") {
    throw new Error(`unknown message type ${type} in ${raw.name}`);
  }
  return {
    name: raw.name,
    type,
    apiKey: raw.apiKey,
    validVersions,
    flexibleVersions,
    listeners: raw.listeners ?? [],
    latestVersionUnstable: raw.latestVersionUnstable === true,
    deprecatedVersions: parseRange(raw.deprecatedVersions, raw.name),
    root,
    structs,
  };
}

/** The smallest encoded size of a value of `t` in `version` (for array-count sanity checks). */
export function minSize(t: FieldType, version: number, flexible: boolean): number {
  if (t.kind === "array") return flexible ? 1 : 4;
  if (t.kind === "struct") return minStructSize(t.struct, version, flexible);
  switch (t.primitive) {
    case "bool":
    case "int8":
      return 1;
    case "int16":
    case "uint16":
      return 2;
    case "int32":
    case "uint32":
      return 4;
    case "int64":
    case "float64":
      return 8;
    case "uuid":
      return 16;
    case "string":
      return flexible ? 1 : 2;
    case "bytes":
    case "records":
      return flexible ? 1 : 4;
  }
}

export function minStructSize(s: Struct, version: number, flexible: boolean): number {
  let n = flexible ? 1 : 0; // tagged-field count
  for (const f of s.fields) {
    if (!inRange(f.versions, version)) continue;
    if (f.tag !== undefined && inRange(f.taggedVersions, version) && flexible) continue;
    const nullable = inRange(f.nullableVersions, version);
    if (f.type.kind === "struct" && nullable) {
      n += 1;
      continue;
    }
    const fieldFlexible = f.flexibleVersions ? inRange(f.flexibleVersions, version) : flexible;
    n += minSize(f.type, version, fieldFlexible);
  }
  return n;
}
