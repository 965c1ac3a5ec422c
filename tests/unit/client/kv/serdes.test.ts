/**
 * Value serdes on their own: JSON, Avro and Protobuf round trips, values that fail the
 * schema, and the Confluent wire format through a fake schema registry on loopback —
 * registration once per schema, lookup by id, Avro schema evolution, Protobuf message
 * indexes, and clear errors when the registry or the bytes are wrong.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { avroSerde } from "../../../../client/kv/avro.ts";
import { KvError } from "../../../../client/kv/errors.ts";
import { protobufSerde } from "../../../../client/kv/protobuf.ts";
import { SchemaRegistryClient } from "../../../../client/kv/schema-registry.ts";
import { jsonSerde, runSerde, type Serde, stringSerde } from "../../../../client/kv/serde.ts";
import {
  decodeMessageIndexes,
  encodeMessageIndexes,
  frame,
  unframe,
} from "../../../../client/kv/wire-format.ts";
import { type FakeRegistry, startFakeRegistry } from "../../../fixtures/fake-schema-registry.ts";

const ctx = { topic: "users", key: new TextEncoder().encode("u1") };

const userSchema = {
  type: "record",
  name: "User",
  namespace: "example",
  fields: [
    { name: "name", type: "string" },
    { name: "age", type: "int" },
  ],
} as const;

const PROTO = `
syntax = "proto3";
package shop;
message Address { string city = 1; }
message Order {
  string id = 1;
  int64 cents = 2;
  repeated string items = 3;
  message Line { string sku = 1; }
}
`;

async function roundTrip<T>(serde: Serde<T>, value: T): Promise<T> {
  return serde.deserialize(await serde.serialize(value, ctx), ctx);
}

async function serdeError<T>(serde: Serde<T>, value: T): Promise<KvError> {
  try {
    await runSerde(serde, "encode", () => serde.serialize(value, ctx));
  } catch (err) {
    if (err instanceof KvError) return err;
    throw err;
  }
  throw new Error("serialize accepted a bad value");
}

describe("wire format", () => {
  test("magic byte 0, big-endian schema id, then the payload", () => {
    const framed = frame(0x01020304, new Uint8Array([9, 8]));
    expect([...framed]).toEqual([0, 1, 2, 3, 4, 9, 8]);
    const { schemaId, payload } = unframe(framed);
    expect(schemaId).toBe(0x01020304);
    expect([...payload]).toEqual([9, 8]);
  });

  test("bytes without the magic byte are a serde error naming what was found", () => {
    expect(() => unframe(new Uint8Array([1, 0, 0, 0, 1]))).toThrow(/magic byte 1/);
    expect(() => unframe(new Uint8Array([0, 0]))).toThrow(/2 bytes/);
  });

  test("Protobuf message indexes use Confluent's zigzag varints, [0] as one zero byte", () => {
    expect([...encodeMessageIndexes([0])]).toEqual([0]);
    expect([...encodeMessageIndexes([1])]).toEqual([2, 2]);
    expect([...encodeMessageIndexes([1, 0])]).toEqual([4, 2, 0]);
    for (const path of [[0], [3], [1, 0], [0, 2, 1], [70]]) {
      const bytes = encodeMessageIndexes(path);
      const decoded = decodeMessageIndexes(new Uint8Array([...bytes, 0xaa]));
      expect(decoded.indexes).toEqual(path);
      expect(decoded.offset).toBe(bytes.length);
    }
  });
});

describe("plain serdes", () => {
  test("string and JSON values round-trip; JSON refuses what it cannot represent", async () => {
    expect(await roundTrip(stringSerde, "héllo")).toBe("héllo");
    const json = jsonSerde<{ a: number[]; b: string | null }>();
    expect(await roundTrip(json, { a: [1, 2], b: null })).toEqual({ a: [1, 2], b: null });
    const err = await serdeError(jsonSerde<unknown>(), { n: 1n });
    expect(err.code).toBe("serde");
    expect(err.message).toMatch(/^json serde cannot encode: .*BigInt/);
    expect((await serdeError(jsonSerde<unknown>(), undefined)).message).toMatch(/no JSON/);
  });

  test("a JSON validate function guards both directions", async () => {
    const isPoint = (v: unknown): v is { x: number } =>
      typeof v === "object" && v !== null && typeof (v as { x?: unknown }).x === "number";
    const serde = jsonSerde({ validate: isPoint });
    expect(await roundTrip(serde, { x: 1 })).toEqual({ x: 1 });
    expect((await serdeError(serde, { x: "1" } as never)).message).toMatch(/validate/);
    expect(() => serde.deserialize(new TextEncoder().encode('{"y":1}'), ctx)).toThrow(/validate/);
  });

  test("Avro values round-trip and a value that misses the schema names the bad field", async () => {
    const serde = avroSerde<{ name: string; age: number }>(userSchema);
    const bytes = await serde.serialize({ name: "Ada", age: 36 }, ctx);
    // Avro binary: zigzag length 3 → 6, "Ada", zigzag 36 → 72.
    expect([...bytes]).toEqual([6, 65, 100, 97, 72]);
    expect(await serde.deserialize(bytes, ctx)).toEqual({ name: "Ada", age: 36 });
    const err = await serdeError(serde, { name: "Ada", age: "old" } as never);
    expect(err.code).toBe("serde");
    expect(err.message).toContain('age = "old"');
  });

  test("Protobuf values round-trip and a wrongly typed field is refused", async () => {
    const serde = protobufSerde<{ id: string; cents: string; items: string[] }>({
      proto: PROTO,
      messageType: "shop.Order",
    });
    const value = { id: "o-1", cents: "9007199254740993", items: ["a", "b"] };
    expect(await roundTrip(serde, value)).toEqual(value);
    const err = await serdeError(serde, { id: 5, cents: "1", items: [] } as never);
    expect(err.message).toMatch(/protobuf serde cannot encode: .*id: string expected/);
    expect((await serdeError(serde, "text" as never)).message).toMatch(/expected an object/);
  });
});

describe("schema registry", () => {
  let registry: FakeRegistry;
  beforeAll(() => {
    registry = startFakeRegistry();
  });
  afterAll(() => registry.stop());

  test("Avro values are framed with the registered id; the schema is registered once", async () => {
    const serde = avroSerde<{ name: string; age: number }>(userSchema, { registry: registry.url });
    const before = registry.requests.length;
    const a = await serde.serialize({ name: "Ada", age: 36 }, ctx);
    const b = await serde.serialize({ name: "Bob", age: 41 }, ctx);
    const posts = registry.requests.slice(before).filter((r) => r.startsWith("POST"));
    expect(posts).toEqual(["POST /subjects/users-value/versions"]);
    expect(a[0]).toBe(0);
    const id = unframe(a).schemaId;
    expect(unframe(b).schemaId).toBe(id);
    // A fresh reader (another process) resolves the id through the registry.
    const reader = avroSerde<{ name: string; age: number }>(userSchema, {
      registry: new SchemaRegistryClient(registry.url),
    });
    expect(await reader.deserialize(a, ctx)).toEqual({ name: "Ada", age: 36 });
    expect(registry.requests).toContain(`GET /schemas/ids/${id}`);
  });

  test("a reader with a newer schema reads values written with the older one", async () => {
    const v1 = avroSerde<{ name: string; age: number }>(userSchema, {
      registry: registry.url,
      subject: "evolving-value",
    });
    const written = await v1.serialize({ name: "Ada", age: 36 }, ctx);
    const v2Schema = {
      ...userSchema,
      fields: [...userSchema.fields, { name: "email", type: "string", default: "none" }],
    };
    const v2 = avroSerde<{ name: string; age: number; email: string }>(v2Schema, {
      registry: registry.url,
      subject: "evolving-value",
    });
    expect(await v2.deserialize(written, ctx)).toEqual({ name: "Ada", age: 36, email: "none" });
  });

  test("Protobuf values carry the message-index path of their message", async () => {
    const serde = protobufSerde<{ id: string; cents: string; items: string[] }>(
      { proto: PROTO, messageType: "shop.Order" },
      { registry: registry.url, subject: "orders-value" },
    );
    const framed = await serde.serialize({ id: "o-2", cents: "5", items: [] }, ctx);
    const { payload } = unframe(framed);
    // Order is the second top-level message of the file: path [1] → bytes 2, 2.
    expect([...payload.subarray(0, 2)]).toEqual([2, 2]);
    expect(await serde.deserialize(framed, ctx)).toEqual({ id: "o-2", cents: "5", items: [] });
    const nested = protobufSerde<{ sku: string }>(
      { proto: PROTO, messageType: "shop.Order.Line" },
      { registry: registry.url, subject: "lines-value" },
    );
    const line = unframe(await nested.serialize({ sku: "x" }, ctx)).payload;
    expect(decodeMessageIndexes(line).indexes).toEqual([1, 0]);
  });

  test("JSON values with a registry are framed and read back", async () => {
    const serde = jsonSerde<{ n: number }>({
      registry: registry.url,
      schema: { type: "object", properties: { n: { type: "number" } } },
    });
    const framed = await serde.serialize({ n: 7 }, ctx);
    expect(framed[0]).toBe(0);
    expect(await serde.deserialize(framed, ctx)).toEqual({ n: 7 });
  });

  test("an unknown schema id and an unreachable registry are schema_registry errors", async () => {
    const serde = avroSerde<unknown>(userSchema, { registry: registry.url });
    const bogus = frame(999, new Uint8Array([0]));
    const err = await runSerde(serde, "decode", () => serde.deserialize(bogus, ctx)).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(KvError);
    expect((err as KvError).code).toBe("schema_registry");
    expect((err as KvError).message).toMatch(/HTTP 404: 40403 Schema not found/);
    const away = avroSerde<unknown>(userSchema, {
      registry: { url: "http://127.0.0.1:9", timeoutMs: 2000 },
    });
    const err2 = await Promise.resolve(away.serialize({ name: "a", age: 1 }, ctx)).catch(
      (e: unknown) => e,
    );
    expect((err2 as KvError).code).toBe("schema_registry");
    expect((err2 as KvError).message).toMatch(/unreachable/);
  });

  test("a value written with an Avro id is refused by a Protobuf reader", async () => {
    const avro = avroSerde<unknown>(userSchema, { registry: registry.url });
    const framed = await avro.serialize({ name: "a", age: 1 }, ctx);
    const proto = protobufSerde(
      { proto: PROTO, messageType: "shop.Order" },
      { registry: registry.url },
    );
    const err = (await runSerde(proto, "decode", () => proto.deserialize(framed, ctx)).catch(
      (e: unknown) => e,
    )) as KvError;
    expect(err.code).toBe("serde");
    expect(err.message).toMatch(/is AVRO, not PROTOBUF/);
  });
});
