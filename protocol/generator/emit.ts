/**
 * Emits TypeScript codecs for parsed Kafka messages (see schema.ts). Pure string building.
 *
 * Generated code is straight-line: one read and one write function per struct, fields in
 * schema order, version checks as plain `if`s on the `version` argument. Decoders read every
 * field into a local and build the object with one literal (stable object shapes).
 */
import {
  type DefaultValue,
  type ElementType,
  type Field,
  type FieldType,
  inRange,
  intersect,
  isEmpty,
  type Message,
  minSize,
  NONE,
  type Primitive,
  type Range,
  type Struct,
} from "./schema.ts";

/** A boolean expression over `version`, simplified against the message's valid versions. */
function cond(r: Range, valid: Range): string {
  const lo = Math.max(r.lo, valid.lo);
  const hi = Math.min(r.hi, valid.hi);
  if (lo > hi) return "false";
  const parts: string[] = [];
  if (lo > valid.lo) parts.push(`version >= ${lo}`);
  if (hi < valid.hi) parts.push(`version <= ${hi}`);
  if (lo === hi && parts.length === 2) return `version === ${lo}`;
  return parts.length === 0 ? "true" : parts.join(" && ");
}

function and(a: string, b: string): string {
  if (a === "false" || b === "false") return "false";
  if (a === "true") return b;
  if (b === "true") return a;
  return `${a} && ${b}`;
}

function not(a: string): string {
  if (a === "true") return "false";
  if (a === "false") return "true";
  return `!(${a})`;
}

function sel(c: string, a: string, b: string): string {
  if (c === "true") return a;
  if (c === "false") return b;
  return `(${c} ? ${a} : ${b})`;
}

function guard(c: string, body: string[], indent: string): string[] {
  if (c === "false" || body.length === 0) return [];
  if (c === "true") return body;
  return [`${indent}if (${c}) {`, ...body.map((l) => `  ${l}`), `${indent}}`];
}

function fmtRange(r: Range): string {
  if (isEmpty(r)) return "none";
  if (r.hi >= 0x7fff) return `${r.lo}+`;
  return r.lo === r.hi ? `${r.lo}` : `${r.lo}-${r.hi}`;
}

/** Versions where a field is encoded inline (not as a tagged field). */
function regularVersions(f: Field): Range {
  if (f.tag === undefined) return f.versions;
  if (f.taggedVersions.hi < 0x7fff) throw new Error(`closed taggedVersions on ${f.jsonName}`);
  if (f.taggedVersions.lo <= f.versions.lo) return NONE;
  return { lo: f.versions.lo, hi: Math.min(f.versions.hi, f.taggedVersions.lo - 1) };
}

function taggedIn(f: Field): Range {
  return f.tag === undefined ? NONE : intersect(f.taggedVersions, f.versions);
}

function isNullableType(f: Field): boolean {
  if (f.type.kind === "primitive" && f.type.primitive === "records") return true;
  return !isEmpty(intersect(f.nullableVersions, f.versions)) || f.default.kind === "null";
}

function primitiveTs(p: Primitive): string {
  switch (p) {
    case "bool":
      return "boolean";
    case "int64":
      return "bigint";
    case "string":
    case "uuid":
      return "string";
    case "bytes":
    case "records":
      return "Uint8Array";
    default:
      return "number";
  }
}

function elementTs(e: ElementType): string {
  return e.kind === "primitive" ? primitiveTs(e.primitive) : e.struct.tsName;
}

function fieldTs(f: Field): string {
  const base =
    f.type.kind === "array" ? `${elementTs(f.type.element)}[]` : elementTs(f.type as ElementType);
  return isNullableType(f) ? `${base} | null` : base;
}

/** Default value as a decoder would produce it. */
function defaultExpr(f: Field): string {
  const d = f.default;
  if (d.kind === "null") return "null";
  const t = f.type;
  if (t.kind === "array") return "[]";
  if (t.kind === "struct") return `default${t.struct.tsName}()`;
  return primitiveDefault(t.primitive, d);
}

/** Default value as an encoder substitutes it for a missing field. */
function inputDefaultExpr(f: Field): string {
  const d = f.default;
  if (d.kind === "null") return "null";
  if (f.type.kind === "struct") return "{}";
  return defaultExpr(f);
}

function primitiveDefault(p: Primitive, d: DefaultValue): string {
  switch (d.kind) {
    case "number":
      return String(d.value);
    case "bigint":
      return `${d.value}n`;
    case "bool":
      return String(d.value);
    case "string":
      return JSON.stringify(d.value);
    case "null":
      return "null";
    case "empty":
      if (p === "uuid") return "ZERO_UUID";
      if (p === "records") return "null";
      return "EMPTY_BYTES";
  }
}

/** Expression true when `v` (an encoder input value, not undefined) differs from the default. */
function nonDefault(f: Field, v: string): string {
  const d = f.default;
  const nullable = isNullableType(f);
  const t = f.type;
  if (d.kind === "null") return `${v} !== null`;
  if (t.kind === "array")
    return nullable ? `(${v} === null || ${v}.length !== 0)` : `${v}.length !== 0`;
  if (t.kind === "struct") {
    const check = `!isDefault${t.struct.tsName}(${v})`;
    return nullable ? `(${v} === null || ${check})` : check;
  }
  switch (t.primitive) {
    case "bytes":
      return nullable ? `(${v} === null || ${v}.length !== 0)` : `${v}.length !== 0`;
    case "records":
      return `${v} !== null`;
    default:
      return `${v} !== ${primitiveDefault(t.primitive, d)}`;
  }
}

const VARIABLE = {
  string: ["String", "int16(-1)"],
  bytes: ["Bytes", "int32(-1)"],
  records: ["Bytes", "int32(-1)"],
} as const;

function readPrimitive(p: Primitive, flex: string, nullable: string): string {
  if (p === "string" || p === "bytes" || p === "records") {
    const n = VARIABLE[p][0];
    return sel(
      flex,
      sel(nullable, `r.compactNullable${n}()`, `r.compact${n}()`),
      sel(nullable, `r.nullable${n}()`, `r.${n.toLowerCase()}()`),
    );
  }
  return `r.${p}()`;
}

interface Ctx {
  readonly msg: Message;
  readonly valid: Range;
  readonly label: string;
}

function writePrimitive(
  p: Primitive,
  v: string,
  flex: string,
  nullable: string,
  nullableType: boolean,
  label: string,
): string[] {
  if (p !== "string" && p !== "bytes" && p !== "records") return [`w.${p}(${v});`];
  const [n, legacyNull] = VARIABLE[p];
  const nonNull = `${sel(flex, `w.compact${n}(${v})`, `w.${n.toLowerCase()}(${v})`)};`;
  if (!nullableType) return [nonNull];
  if (nullable === "true") {
    return [`${sel(flex, `w.compactNullable${n}(${v})`, `w.nullable${n}(${v})`)};`];
  }
  if (nullable === "false") return [`if (${v} === null) throw nullField(${label});`, nonNull];
  return [
    `if (${v} === null) {`,
    `  if (${not(nullable)}) throw nullField(${label});`,
    `  ${sel(flex, "w.uvarint(0)", `w.${legacyNull}`)};`,
    `} else {`,
    `  ${nonNull}`,
    `}`,
  ];
}

/** Flexible-encoding condition for `f` where it is encoded in versions `within`. */
function fieldFlex(f: Field, ctx: Ctx, flex: string, within: Range): string {
  const c = cond(f.flexibleVersions ?? ctx.msg.flexibleVersions, intersect(within, ctx.valid));
  if (f.flexibleVersions !== undefined || c === "true" || c === "false") return c;
  return flex;
}

function minElementBytes(f: Field, e: ElementType, ctx: Ctx): number {
  let min = Number.POSITIVE_INFINITY;
  for (
    let v = Math.max(f.versions.lo, ctx.valid.lo);
    v <= Math.min(f.versions.hi, ctx.valid.hi);
    v++
  ) {
    const flexible = inRange(f.flexibleVersions ?? ctx.msg.flexibleVersions, v);
    min = Math.min(min, minSize(e as FieldType, v, flexible));
  }
  return Number.isFinite(min) ? Math.max(1, min) : 1;
}

/** Statements decoding field `f` into the local `local`. */
function readField(f: Field, local: string, ctx: Ctx, flex: string, nullable: string): string[] {
  const t = f.type;
  const label = `${ctx.label}, "${f.name}"`;
  if (t.kind === "primitive") {
    return [`${local} = ${readPrimitive(t.primitive, flex, nullable)};`];
  }
  if (t.kind === "struct") {
    const read = `read${t.struct.tsName}(r, version)`;
    if (nullable === "false") return [`${local} = ${read};`];
    return [`${local} = ${sel(nullable, `r.int8() < 0 ? null : ${read}`, read)};`];
  }
  const e = t.element;
  const elem =
    e.kind === "primitive"
      ? readPrimitive(e.primitive, flex, "false")
      : `read${e.struct.tsName}(r, version)`;
  const onNull =
    nullable === "true"
      ? [`  ${local} = null;`]
      : nullable === "false"
        ? [`  throw nullField(${label});`]
        : [`  if (${not(nullable)}) throw nullField(${label});`, `  ${local} = null;`];
  return [
    `{`,
    `  const n = r.arrayLength(${flex}, ${minElementBytes(f, e, ctx)});`,
    `  if (n < 0) {`,
    ...onNull.map((l) => `  ${l}`),
    `  } else {`,
    `    const a: ${elementTs(e)}[] = [];`,
    `    for (let i = 0; i < n; i++) a.push(${elem});`,
    `    ${local} = a;`,
    `  }`,
    `}`,
  ];
}

/** Statements encoding the value in local `v` of field `f`. */
function writeField(f: Field, v: string, ctx: Ctx, flex: string, nullable: string): string[] {
  const t = f.type;
  const label = `${ctx.label}, "${f.name}"`;
  const nullableType = isNullableType(f);
  if (t.kind === "primitive")
    return writePrimitive(t.primitive, v, flex, nullable, nullableType, label);
  if (t.kind === "struct") {
    const write = `write${t.struct.tsName}(w, ${v}, version);`;
    if (!nullableType) return [write];
    if (nullable === "true")
      return [`if (${v} === null) w.int8(-1);`, `else {`, `  w.int8(1);`, `  ${write}`, `}`];
    return [
      `if (${v} === null) {`,
      `  if (${not(nullable)}) throw nullField(${label});`,
      `  w.int8(-1);`,
      `} else {`,
      ...(nullable === "false" ? [] : [`  if (${nullable}) w.int8(1);`]),
      `  ${write}`,
      `}`,
    ];
  }
  const e = t.element;
  const elem =
    e.kind === "primitive"
      ? writePrimitive(e.primitive, "e", flex, "false", false, label)
      : [`write${e.struct.tsName}(w, e, version);`];
  const body = [
    `w.arrayLength(${flex}, ${v}.length);`,
    `for (const e of ${v}) {`,
    ...elem.map((l) => `  ${l}`),
    `}`,
  ];
  if (!nullableType) return body;
  const onNull =
    nullable === "true"
      ? []
      : nullable === "false"
        ? [`throw nullField(${label});`]
        : [`if (${not(nullable)}) throw nullField(${label});`];
  return [
    `if (${v} === null) {`,
    ...onNull.map((l) => `  ${l}`),
    ...(nullable === "false" ? [] : [`  ${sel(flex, "w.uvarint(0)", "w.int32(-1)")};`]),
    `} else {`,
    ...body.map((l) => `  ${l}`),
    `}`,
  ];
}

function indent(lines: string[], by: string): string[] {
  return lines.map((l) => (l === "" ? l : by + l));
}

function docComment(text: string, pad: string): string[] {
  const clean = text.replace(/\*\//g, "*\\/").trim();
  return clean === "" ? [] : [`${pad}/** ${clean} */`];
}

function emitType(s: Struct, flexible: boolean): string[] {
  const out: string[] = [];
  out.push(`export interface ${s.tsName} {`);
  for (const f of s.fields) {
    const info = [`versions ${fmtRange(f.versions)}`];
    const nv = intersect(f.nullableVersions, f.versions);
    if (!isEmpty(nv)) info.push(`nullable ${fmtRange(nv)}`);
    if (f.tag !== undefined) info.push(`tag ${f.tag}`);
    if (f.ignorable) info.push("ignorable");
    out.push(...docComment(`[${info.join(", ")}] ${f.about}`, "  "));
    out.push(`  ${f.name}: ${fieldTs(f)};`);
  }
  if (flexible) {
    out.push(
      "  /** Tagged fields this schema does not know, kept raw and re-emitted on encode. */",
    );
    out.push("  _unknownTaggedFields?: RawTaggedField[] | undefined;");
  }
  out.push("}");
  return out;
}

function emitDefault(s: Struct, flexible: boolean): string[] {
  const parts = s.fields.map((f) => `    ${f.name}: ${defaultExpr(f)},`);
  if (flexible) parts.push("    _unknownTaggedFields: undefined,");
  return [`function default${s.tsName}(): ${s.tsName} {`, "  return {", ...parts, "  };", "}"];
}

function emitIsDefault(s: Struct, flexible: boolean): string[] {
  const checks = s.fields.map(
    (f) => `m.${f.name} === undefined || !(${nonDefault(f, `m.${f.name}`)})`,
  );
  // Like Kafka's equals(): unknown tagged fields make a struct non-default (so they are kept).
  if (flexible) {
    checks.push("m._unknownTaggedFields === undefined || m._unknownTaggedFields.length === 0");
  }
  return [
    `function isDefault${s.tsName}(m: Input<${s.tsName}>): boolean {`,
    checks.length === 0
      ? "  return true;"
      : `  return (\n    ${checks.map((c) => `(${c})`).join(" &&\n    ")}\n  );`,
    "}",
  ];
}

function emitRead(s: Struct, ctx: Ctx, isRoot: boolean, exportName: string): string[] {
  const { msg, valid } = ctx;
  const flexRange = intersect(msg.flexibleVersions, valid);
  const flexCond = cond(msg.flexibleVersions, valid);
  const flex = flexCond === "true" || flexCond === "false" ? flexCond : "flex";
  const out: string[] = [];
  const sig = `(r: Reader, version: number): ${s.tsName}`;
  out.push(isRoot ? `export function ${exportName}${sig} {` : `function read${s.tsName}${sig} {`);
  if (isRoot) out.push(`  checkVersion(${ctx.label}, version, ${valid.lo}, ${valid.hi});`);
  if (flex === "flex") out.push(`  const flex = ${flexCond};`);
  const locals = s.fields.map((f, i) => `f${i}_${f.name}`);
  s.fields.forEach((f, i) => {
    // Fields every version carries are always assigned below; others start at their default.
    const always = cond(regularVersions(f), valid) === "true";
    out.push(`  let ${locals[i]}: ${fieldTs(f)}${always ? "" : ` = ${defaultExpr(f)}`};`);
  });
  s.fields.forEach((f, i) => {
    const regular = regularVersions(f);
    const present = cond(regular, valid);
    const nullable = cond(f.nullableVersions, intersect(regular, valid));
    const read = readField(f, locals[i]!, ctx, fieldFlex(f, ctx, flex, regular), nullable);
    out.push(...guard(present, indent(read, "  "), "  "));
  });
  const hasFlex = !isEmpty(flexRange);
  if (hasFlex) {
    out.push("  let unknown: RawTaggedField[] | undefined;");
    const tagged = s.fields
      .map((f, i) => ({ f, local: locals[i]! }))
      .filter(({ f }) => !isEmpty(intersect(taggedIn(f), valid)))
      .sort((a, b) => a.f.tag! - b.f.tag!);
    const body: string[] = [];
    if (tagged.length === 0) {
      body.push("unknown = r.unknownTaggedFields();");
    } else {
      body.push("const nt = r.taggedFieldCount();");
      body.push("for (let i = 0; i < nt; i++) {");
      body.push("  const tag = r.uvarint();");
      body.push("  const end = r.taggedFieldEnd();");
      let first = true;
      for (const { f, local } of tagged) {
        const c = and(`tag === ${f.tag}`, cond(taggedIn(f), valid));
        body.push(`  ${first ? "" : "} else "}if (${c}) {`);
        body.push(
          ...indent(
            readField(
              f,
              local,
              ctx,
              "true",
              cond(f.nullableVersions, intersect(taggedIn(f), valid)),
            ),
            "    ",
          ),
        );
        body.push("    r.endTaggedField(end);");
        first = false;
      }
      body.push("  } else {");
      body.push("    (unknown ??= []).push({ tag, data: r.buf.subarray(r.offset, end) });");
      body.push("    r.offset = end;");
      body.push("  }");
      body.push("}");
    }
    out.push(...guard(flex, indent(body, "  "), "  "));
  }
  out.push("  return {");
  s.fields.forEach((f, i) => {
    out.push(`    ${f.name}: ${locals[i]},`);
  });
  if (hasFlex) out.push("    _unknownTaggedFields: unknown,");
  out.push("  };");
  out.push("}");
  return out;
}

function emitWrite(s: Struct, ctx: Ctx, isRoot: boolean, exportName: string): string[] {
  const { msg, valid } = ctx;
  const flexRange = intersect(msg.flexibleVersions, valid);
  const flexCond = cond(msg.flexibleVersions, valid);
  const flex = flexCond === "true" || flexCond === "false" ? flexCond : "flex";
  const out: string[] = [];
  const sig = `(w: Writer, m: Input<${s.tsName}>, version: number): void`;
  out.push(isRoot ? `export function ${exportName}${sig} {` : `function write${s.tsName}${sig} {`);
  if (isRoot) out.push(`  checkVersion(${ctx.label}, version, ${valid.lo}, ${valid.hi});`);
  if (flex === "flex") out.push(`  const flex = ${flexCond};`);
  s.fields.forEach((f, i) => {
    const regular = regularVersions(f);
    const present = cond(regular, valid);
    const exists = cond(f.versions, valid);
    const nullable = cond(f.nullableVersions, intersect(regular, valid));
    const v = `v${i}`;
    if (!f.ignorable && exists !== "true") {
      out.push(
        `  if (${not(exists)} && m.${f.name} !== undefined && ${nonDefault(f, `m.${f.name}`)}) throw absentField(${ctx.label}, "${f.name}", version);`,
      );
    }
    const body = [
      `const ${v} = m.${f.name} === undefined ? ${inputDefaultExpr(f)} : m.${f.name};`,
      ...writeField(f, v, ctx, fieldFlex(f, ctx, flex, regular), nullable),
    ];
    if (present === "true") out.push(...indent(body, "  "));
    else out.push(...guard(present, indent(body, "  "), "  "));
  });
  if (!isEmpty(flexRange)) {
    const tagged = s.fields
      .filter((f) => !isEmpty(intersect(taggedIn(f), valid)))
      .sort((a, b) => a.tag! - b.tag!);
    const body: string[] = ["const u = m._unknownTaggedFields;"];
    if (tagged.length === 0) {
      body.push("if (u === undefined) w.uvarint(0);");
      body.push("else {");
      body.push("  w.uvarint(u.length);");
      body.push("  w.rawTaggedFields(u, 0, Number.POSITIVE_INFINITY);");
      body.push("}");
    } else {
      body.push("let nt = u === undefined ? 0 : u.length;");
      tagged.forEach((f, j) => {
        const c = cond(taggedIn(f), valid);
        body.push(
          `const t${j} = m.${f.name} === undefined ? ${inputDefaultExpr(f)} : m.${f.name};`,
        );
        body.push(`const h${j} = ${and(c, nonDefault(f, `t${j}`))};`);
        body.push(`if (h${j}) nt++;`);
      });
      body.push("w.uvarint(nt);");
      body.push("let ui = 0;");
      tagged.forEach((f, j) => {
        body.push(`if (u !== undefined) ui = w.rawTaggedFields(u, ui, ${f.tag});`);
        body.push(`if (h${j}) {`);
        body.push(`  const mark = w.beginTaggedField(${f.tag});`);
        body.push(
          ...indent(
            writeField(
              f,
              `t${j}`,
              ctx,
              "true",
              cond(f.nullableVersions, intersect(taggedIn(f), valid)),
            ),
            "  ",
          ),
        );
        body.push("  w.endTaggedField(mark);");
        body.push("}");
      });
      body.push("if (u !== undefined) w.rawTaggedFields(u, ui, Number.POSITIVE_INFINITY);");
    }
    out.push(...guard(flex, indent(body, "  "), "  "));
  }
  out.push("}");
  return out;
}

/** Structs used as a direct (non-array) struct field somewhere: they need default/isDefault. */
function structFieldTargets(msg: Message): Set<Struct> {
  const out = new Set<Struct>();
  for (const s of msg.structs) {
    for (const f of s.fields) if (f.type.kind === "struct") out.add(f.type.struct);
  }
  return out;
}

/** Emits the type declarations and codec functions of one message. */
export function emitMessage(msg: Message): string[] {
  const valid = msg.validVersions;
  const ctx: Ctx = { msg, valid, label: JSON.stringify(msg.name) };
  const flexible = !isEmpty(intersect(msg.flexibleVersions, valid));
  const targets = structFieldTargets(msg);
  const out: string[] = [];
  out.push(
    `// ${msg.name}: versions ${fmtRange(valid)}, flexible ${fmtRange(intersect(msg.flexibleVersions, valid))}.`,
  );
  for (const s of msg.structs) {
    out.push("", ...emitType(s, flexible));
  }
  for (const s of msg.structs) {
    if (!targets.has(s)) continue;
    out.push("", ...emitDefault(s, flexible), "", ...emitIsDefault(s, flexible));
  }
  msg.structs.forEach((s, i) => {
    const root = i === 0;
    out.push("", ...emitRead(s, ctx, root, `decode${msg.name}`));
    out.push("", ...emitWrite(s, ctx, root, `encode${msg.name}`));
  });
  return out;
}
