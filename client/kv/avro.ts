/**
 * Avro values (avsc). Without a registry the value is the bare Avro binary encoding. With
 * one, it is framed in the Confluent wire format; decoding resolves the writer's schema
 * (looked up by id) against ours, so records written with an older or newer compatible
 * schema still read.
 */
import { Type } from "avsc";
import { type RegistryBinding, registryClient, subjectFor } from "./schema-registry.ts";
import type { Serde } from "./serde.ts";
import { frame, unframe } from "./wire-format.ts";

/**
 * An Avro schema: its JSON (object, or array for a union), a primitive type name, or the
 * schema's JSON text. avsc checks it when the serde is made.
 */
export type AvroSchema = string | object;
type Schema = Parameters<typeof Type.forSchema>[0];

export interface AvroSerdeOptions {
  /** Frame values in the Confluent wire format, registering the schema on first write. */
  registry?: RegistryBinding["registry"];
  subject?: string;
}

export function avroSerde<T>(schema: AvroSchema, opts: AvroSerdeOptions = {}): Serde<T> {
  const type = Type.forSchema(parseSchema(schema));
  const schemaText = JSON.stringify(type.schema());
  const binding = opts.registry
    ? { registry: opts.registry, ...(opts.subject ? { subject: opts.subject } : {}) }
    : null;
  const client = binding ? registryClient(binding) : null;
  const readers = new Map<number, Promise<(payload: Buffer) => T>>();

  const encode = (value: T): Buffer => {
    const problems: string[] = [];
    const ok = type.isValid(value, {
      errorHook: (path, v) =>
        problems.push(`${path.length > 0 ? path.join(".") : "value"} = ${describe(v)}`),
    });
    if (!ok)
      throw new TypeError(
        `value does not match schema ${type.name ?? type.typeName}: ${problems.join(", ")}`,
      );
    return type.toBuffer(value);
  };

  const readerFor = (id: number): Promise<(payload: Buffer) => T> => {
    let p = readers.get(id);
    if (!p) {
      p = client!.schemaById(id).then((writer) => {
        if (writer.schemaType !== "AVRO")
          throw new TypeError(`schema ${id} is ${writer.schemaType}, not AVRO`);
        const writerType = Type.forSchema(JSON.parse(writer.schema) as Schema);
        if (writerType.equals(type)) return (payload: Buffer) => type.fromBuffer(payload) as T;
        const resolver = type.createResolver(writerType);
        return (payload: Buffer) => type.fromBuffer(payload, resolver) as T;
      });
      readers.set(id, p);
      p.catch(() => readers.delete(id));
    }
    return p;
  };

  return {
    name: "avro",
    async serialize(value, ctx) {
      const payload = encode(value);
      if (!client || !binding) return payload;
      const id = await client.register(subjectFor(binding, ctx.topic), {
        schema: schemaText,
        schemaType: "AVRO",
      });
      return frame(id, payload);
    },
    async deserialize(bytes) {
      if (!client) return type.fromBuffer(asBuffer(bytes)) as T;
      const { schemaId, payload } = unframe(bytes);
      const read = await readerFor(schemaId);
      return read(asBuffer(payload));
    },
  };
}

function parseSchema(schema: AvroSchema): Schema {
  if (typeof schema !== "string") return schema as Schema;
  // A bare primitive name ("string") or the schema's JSON text.
  return (/^\s*[[{"]/.test(schema) ? JSON.parse(schema) : schema) as Schema;
}

function asBuffer(b: Uint8Array): Buffer {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

function describe(v: unknown): string {
  if (typeof v === "bigint") return `${v}n`;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
