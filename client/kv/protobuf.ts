/**
 * Protobuf values (protobufjs, reflection only: no code generation, no install scripts).
 * The serde takes the .proto source and the message name; with a registry, the source is
 * what gets registered (schemaType PROTOBUF) and values carry Confluent's message-index
 * path after the schema id.
 */
import protobuf from "protobufjs";
import { type RegistryBinding, registryClient, subjectFor } from "./schema-registry.ts";
import type { Serde } from "./serde.ts";
import { decodeMessageIndexes, encodeMessageIndexes, frame, unframe } from "./wire-format.ts";

export interface ProtobufSchema {
  /** The .proto file's text (proto3 or proto2). */
  proto: string;
  /** Message to encode, e.g. "shop.Order" (package-qualified) or "Order". */
  messageType: string;
}

export interface ProtobufSerdeOptions {
  registry?: RegistryBinding["registry"];
  subject?: string;
  /**
   * How decoded messages become plain objects (protobufjs IConversionOptions).
   * Default: 64-bit integers as strings, defaults filled in.
   */
  conversion?: protobuf.IConversionOptions;
}

export function protobufSerde<T extends object>(
  schema: ProtobufSchema,
  opts: ProtobufSerdeOptions = {},
): Serde<T> {
  const parsed = protobuf.parse(schema.proto, { keepCase: true });
  const type = parsed.root.lookupType(schema.messageType);
  const indexes = encodeMessageIndexes(messageIndexes(type));
  const conversion = opts.conversion ?? { longs: String, defaults: true };
  const binding = opts.registry
    ? { registry: opts.registry, ...(opts.subject ? { subject: opts.subject } : {}) }
    : null;
  const client = binding ? registryClient(binding) : null;

  const decode = (bytes: Uint8Array): T => type.toObject(type.decode(bytes), conversion) as T;

  return {
    name: "protobuf",
    async serialize(value, ctx) {
      if (value === null || typeof value !== "object")
        throw new TypeError(
          `expected an object for ${type.fullName}, got ${value === null ? "null" : typeof value}`,
        );
      const problem = type.verify(longsAsBits(type, value as Record<string, unknown>));
      if (problem)
        throw new TypeError(`value does not match ${type.fullName.slice(1)}: ${problem}`);
      const payload = type.encode(type.fromObject(value as Record<string, unknown>)).finish();
      if (!client || !binding) return payload;
      const id = await client.register(subjectFor(binding, ctx.topic), {
        schema: schema.proto,
        schemaType: "PROTOBUF",
      });
      return frame(id, payload, indexes);
    },
    async deserialize(bytes) {
      if (!client) return decode(bytes);
      const { schemaId, payload } = unframe(bytes);
      const writer = await client.schemaById(schemaId);
      if (writer.schemaType !== "PROTOBUF")
        throw new TypeError(`schema ${schemaId} is ${writer.schemaType}, not PROTOBUF`);
      // Fields are matched by number, so our message type reads any compatible writer's.
      const { offset } = decodeMessageIndexes(payload);
      return decode(payload.subarray(offset));
    },
  };
}

const LONG_TYPES = new Set(["int64", "uint64", "sint64", "fixed64", "sfixed64"]);

/**
 * A copy of `obj` for `Type.verify`, with 64-bit fields given as decimal strings (the
 * form this serde decodes them to by default) turned into {low, high}, which verify
 * accepts; `fromObject` already parses such strings itself.
 */
function longsAsBits(type: protobuf.Type, obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...obj };
  for (const field of type.fieldsArray) {
    const v = out[field.name];
    if (v === undefined || v === null) continue;
    field.resolve();
    const fix = (x: unknown): unknown => {
      if (LONG_TYPES.has(field.type) && typeof x === "string" && /^-?\d+$/.test(x)) {
        const bits = BigInt.asUintN(64, BigInt(x));
        return { low: Number(bits & 0xffffffffn) | 0, high: Number(bits >> 32n) | 0 };
      }
      if (field.resolvedType instanceof protobuf.Type && typeof x === "object" && x !== null)
        return longsAsBits(field.resolvedType, x as Record<string, unknown>);
      return x;
    };
    if (field.map && typeof v === "object")
      out[field.name] = Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fix(x)]));
    else if (field.repeated && Array.isArray(v)) out[field.name] = v.map(fix);
    else out[field.name] = fix(v);
  }
  return out;
}

/** Confluent's path to a message: its index among the file's top-level messages, then nested ones. */
function messageIndexes(type: protobuf.Type): number[] {
  const path: number[] = [];
  let node: protobuf.ReflectionObject = type;
  for (;;) {
    const parent: protobuf.Namespace | null = node.parent;
    if (!parent) break;
    const siblings: protobuf.ReflectionObject[] = parent.nestedArray.filter(
      (n) => n instanceof protobuf.Type,
    );
    path.unshift(siblings.indexOf(node));
    // A message nested in a message continues the path; a package namespace (or the root) ends it.
    if (!(parent instanceof protobuf.Type)) break;
    node = parent;
  }
  return path;
}
