/**
 * Value serdes for typed stores. A serde may be asynchronous because the schema-registry
 * formats look schemas up over HTTP; the plain ones answer synchronously.
 */
import { KvError } from "./errors.ts";
import { type RegistryBinding, registryClient, subjectFor } from "./schema-registry.ts";
import { frame, unframe } from "./wire-format.ts";

export interface SerdeContext {
  topic: string;
  key: Uint8Array;
}

export interface Serde<T> {
  /** For error messages: "json", "avro", "protobuf"… */
  readonly name: string;
  /** Throws (anything) when `value` cannot be encoded; the store reports KvError "serde". */
  serialize(value: T, ctx: SerdeContext): Uint8Array | Promise<Uint8Array>;
  deserialize(bytes: Uint8Array, ctx: SerdeContext): T | Promise<T>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** UTF-8 strings. */
export const stringSerde: Serde<string> = {
  name: "string",
  serialize: (value) => {
    if (typeof value !== "string") throw new TypeError(`expected a string, got ${typeof value}`);
    return encoder.encode(value);
  },
  deserialize: (bytes) => decoder.decode(bytes),
};

/** Raw bytes (the untyped store's own representation). */
export const bytesSerde: Serde<Uint8Array> = {
  name: "bytes",
  serialize: (value) => {
    if (!(value instanceof Uint8Array)) throw new TypeError("expected a Uint8Array");
    return value;
  },
  deserialize: (bytes) => bytes,
};

export interface JsonSerdeOptions<T> {
  /** Checks a value on both ways (a decoded value from another writer included). */
  validate?: (value: unknown) => value is T;
  /**
   * Frame values in the Confluent wire format, registering `schema` (a JSON Schema,
   * schemaType JSON) under the subject on first write.
   */
  registry?: RegistryBinding["registry"];
  subject?: string;
  schema?: object;
}

/** JSON text in UTF-8. Values JSON cannot represent (undefined, functions, bigint, cycles) fail. */
export function jsonSerde<T>(opts: JsonSerdeOptions<T> = {}): Serde<T> {
  const binding = opts.registry
    ? { registry: opts.registry, ...(opts.subject ? { subject: opts.subject } : {}) }
    : null;
  const client = binding ? registryClient(binding) : null;
  const schemaText = JSON.stringify(opts.schema ?? {});
  const encode = (value: T): Uint8Array => {
    if (opts.validate && !opts.validate(value))
      throw new TypeError("value failed the validate function");
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`${typeof value} has no JSON representation`);
    return encoder.encode(text);
  };
  const decode = (bytes: Uint8Array): T => {
    const value: unknown = JSON.parse(decoder.decode(bytes));
    if (opts.validate && !opts.validate(value))
      throw new TypeError("stored value failed the validate function");
    return value as T;
  };
  if (!client || !binding) return { name: "json", serialize: encode, deserialize: decode };
  return {
    name: "json",
    async serialize(value, ctx) {
      const payload = encode(value);
      const id = await client.register(subjectFor(binding, ctx.topic), {
        schema: schemaText,
        schemaType: "JSON",
      });
      return frame(id, payload);
    },
    deserialize(bytes) {
      return decode(unframe(bytes).payload);
    },
  };
}

/** Runs a serde step, turning whatever it throws into KvError "serde". */
export async function runSerde<R>(
  serde: { name: string },
  what: string,
  fn: () => R | Promise<R>,
): Promise<R> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof KvError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw new KvError("serde", `${serde.name} serde cannot ${what}: ${message}`, { cause: err });
  }
}
