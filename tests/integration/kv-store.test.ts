/**
 * The key-value store against a real datacore broker (memory engine): read-your-own-writes,
 * range and prefix scans in byte order, batches, hooks on replay and live updates, typed
 * stores (JSON, Avro and Protobuf through a fake schema registry), a user-supplied local
 * store, and the topics and inputs it must refuse.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  avroSerde,
  compareBytes,
  jsonSerde,
  KafkaClient,
  type KvEntry,
  KvError,
  type KvEvent,
  KvStore,
  type LocalStore,
  protobufSerde,
  type ScanQuery,
  utf8,
} from "../../client/index.ts";
import { type RunningBroker, startBroker } from "../fixtures/datacore-broker.ts";
import { type FakeRegistry, startFakeRegistry } from "../fixtures/fake-schema-registry.ts";

const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : utf8(b));

async function keysOf(it: AsyncIterable<KvEntry>): Promise<string[]> {
  const out: string[] = [];
  for await (const e of it) out.push(utf8(e.key));
  return out;
}

async function kvError(p: Promise<unknown> | (() => unknown)): Promise<KvError> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (err) {
    if (err instanceof KvError) return err;
    throw err;
  }
  throw new Error("expected a KvError");
}

describe("KvStore on datacore", () => {
  let broker: RunningBroker;
  let kafka: KafkaClient;
  let registry: FakeRegistry;
  const open: KvStore[] = [];
  const openStore = async (
    topic: string,
    opts: Partial<Parameters<typeof KvStore.open>[1]> = {},
  ) => {
    const s = await KvStore.open(topic, {
      brokers: broker.bootstrap,
      operationTimeoutMs: 10_000,
      ...opts,
    });
    open.push(s);
    return s;
  };

  beforeAll(async () => {
    broker = await startBroker();
    kafka = new KafkaClient({ brokers: broker.bootstrap });
    registry = startFakeRegistry();
  });
  afterAll(async () => {
    for (const s of open) await s.close();
    await kafka.close();
    await registry.stop();
    await broker.stop();
  });

  test("open creates a one-partition compacted topic, and every put is readable the moment it resolves", async () => {
    const kv = await openStore("users");
    const info = await kafka.admin().describeTopic("users");
    expect(info.partitions.length).toBe(1);
    const configs = await kafka.admin().describeConfigs("topic", "users", ["cleanup.policy"]);
    expect(configs[0]?.value).toBe("compact");
    for (let i = 0; i < 200; i++) {
      await kv.put(`user-${i}`, `v${i}`);
      expect(text(kv.get(`user-${i}`))).toBe(`v${i}`);
      await kv.put("counter", String(i));
      expect(text(kv.get("counter"))).toBe(String(i));
    }
    await kv.delete("user-7");
    expect(kv.get("user-7")).toBeUndefined();
    expect(kv.has("user-8")).toBe(true);
    expect(kv.size).toBe(200);
    expect(kv.get("never-written")).toBeUndefined();
  });

  test("range, prefix and limit walk keys in unsigned byte order, across pages", async () => {
    const kv = await openStore("ranges");
    const b = kv.batch();
    for (let i = 0; i < 600; i++) b.put(`item:${String(i).padStart(4, "0")}`, "x");
    b.put("a", "1")
      .put("item;", "after the prefix")
      .put(new Uint8Array([0x80]), "high");
    b.put(new Uint8Array([0x7f]), "low");
    await b.execute();
    expect(await keysOf(kv.range({ start: "item:0100", end: "item:0103" }))).toEqual([
      "item:0100",
      "item:0101",
      "item:0102",
    ]);
    const prefixed = await keysOf(kv.range({ prefix: "item:" }));
    expect(prefixed.length).toBe(600);
    expect(prefixed[599]).toBe("item:0599");
    expect(await keysOf(kv.range({ prefix: "item:" }, { limit: 2 }))).toEqual([
      "item:0000",
      "item:0001",
    ]);
    const all: Uint8Array[] = [];
    for await (const e of kv.range()) all.push(e.key);
    expect(all.length).toBe(604);
    for (let i = 1; i < all.length; i++) expect(compareBytes(all[i - 1]!, all[i]!)).toBeLessThan(0);
    expect([...all.at(-2)!]).toEqual([0x7f]);
    expect([...all.at(-1)!]).toEqual([0x80]);
    expect((await kvError(() => kv.range({}, { limit: 0 }).next())).code).toBe("invalid_argument");
  });

  test("a batch waits once for its highest offset and later writes of a key win", async () => {
    const kv = await openStore("batches");
    const before = kv.position;
    const b = kv.batch();
    for (let i = 0; i < 100; i++) b.put(`k${i}`, `v${i}`);
    b.delete("k5").put("k6", "rewritten");
    expect(b.length).toBe(102);
    await b.execute();
    expect(kv.position).toBe(before + 102);
    expect(kv.get("k5")).toBeUndefined();
    expect(text(kv.get("k6"))).toBe("rewritten");
    expect(text(kv.get("k99"))).toBe("v99");
    expect((await kvError(b.execute())).code).toBe("invalid_argument");
  });

  test("hooks fire for the bootstrap replay, then for live updates from another store", async () => {
    const writer = await openStore("hooked");
    await writer.put("a", "1");
    await writer.put("b", "2");
    await writer.delete("a");
    const events: string[] = [];
    const reader = await openStore("hooked", {
      hooks: {
        onSet: (k, v, e: KvEvent) =>
          events.push(`set ${utf8(k)}=${utf8(v)} @${e.offset}${e.replay ? " replay" : ""}`),
        onDelete: (k, e) =>
          events.push(`delete ${utf8(k)} @${e.offset}${e.replay ? " replay" : ""}`),
      },
    });
    expect(events).toEqual(["set a=1 @0 replay", "set b=2 @1 replay", "delete a @2 replay"]);
    await writer.put("c", "3");
    await writer.delete("b");
    await writer.delete("never-set");
    await reader.sync();
    expect(events.slice(3)).toEqual(["set c=3 @3", "delete b @4"]);
    expect(text(reader.get("c"))).toBe("3");
  });

  test("a hook that throws does not stop the store from following", async () => {
    const kv = await openStore("throwing-hook", {
      hooks: {
        onSet: () => {
          throw new Error("user bug");
        },
      },
    });
    await kv.put("x", "1");
    await kv.put("y", "2");
    expect(text(kv.get("y"))).toBe("2");
  });

  test("a closed store refuses every operation with KvError closed", async () => {
    const kv = await KvStore.open("closing", { brokers: broker.bootstrap });
    await kv.put("k", "v");
    await kv.close();
    await kv.close();
    expect(kv.closed).toBe(true);
    expect((await kvError(() => kv.get("k"))).code).toBe("closed");
    expect((await kvError(kv.put("k", "v2"))).code).toBe("closed");
    expect((await kvError(kv.delete("k"))).code).toBe("closed");
    expect((await kvError(() => kv.range().next())).code).toBe("closed");
    expect((await kvError(kv.sync())).code).toBe("closed");
    expect((await kvError(() => kv.size)).message).toMatch(/closing is closed/);
  });

  test("topics that cannot back a store are refused with typed errors", async () => {
    const admin = kafka.admin();
    await admin.createTopics([
      { name: "plain-log", partitions: 1 },
      { name: "both-policies", partitions: 1, configs: { "cleanup.policy": "compact,delete" } },
      { name: "wide", partitions: 3, configs: { "cleanup.policy": "compact" } },
    ]);
    const plain = await kvError(KvStore.open("plain-log", { brokers: broker.bootstrap }));
    expect(plain.code).toBe("not_compacted");
    expect(plain.message).toMatch(/cleanup.policy=delete/);
    expect((await kvError(KvStore.open("both-policies", { brokers: broker.bootstrap }))).code).toBe(
      "not_compacted",
    );
    const wide = await kvError(KvStore.open("wide", { brokers: broker.bootstrap }));
    expect(wide.code).toBe("multi_partition_topic");
    expect(wide.message).toMatch(/has 3 partitions/);
    const missing = await kvError(
      KvStore.open("absent", { brokers: broker.bootstrap, create: false }),
    );
    expect(missing.message).toMatch(/does not exist/);
    const topics = (await admin.listTopics()).map((t) => t.name);
    expect(topics).not.toContain("absent");
  });

  test("a JSON-typed view shares the store, and a value the serde refuses writes nothing", async () => {
    const kv = await openStore("json-typed");
    const users = kv.typed(jsonSerde<{ name: string; tags: string[] }>());
    await users.put("u1", { name: "Ada", tags: ["admin"] });
    expect(await users.get("u1")).toEqual({ name: "Ada", tags: ["admin"] });
    expect(text(kv.get("u1"))).toBe('{"name":"Ada","tags":["admin"]}');
    const position = kv.position;
    const err = await kvError(users.put("u2", { name: "Bob", tags: [], n: 1n } as never));
    expect(err.code).toBe("serde");
    expect(err.message).toMatch(/encode the value for key "u2"/);
    expect(kv.position).toBe(position);
    expect(await users.get("u2")).toBeUndefined();
    await kv.put("garbage", "{not json");
    const bad = await kvError(users.get("garbage"));
    expect(bad.code).toBe("serde");
    expect(bad.message).toMatch(/decode the stored value of key "garbage"/);
    const typedBatch = users
      .batch()
      .put("u3", { name: "C", tags: [] })
      .put("u4", undefined as never);
    expect((await kvError(typedBatch.execute())).code).toBe("serde");
    expect(kv.get("u3")).toBeUndefined();
  });

  test("Avro values go through the schema registry and another store decodes them", async () => {
    const schema = {
      type: "record",
      name: "Account",
      fields: [
        { name: "owner", type: "string" },
        { name: "balance", type: "long" },
      ],
    };
    const kv = await openStore("accounts");
    const accounts = kv.typed(
      avroSerde<{ owner: string; balance: number }>(schema, { registry: registry.url }),
    );
    await accounts.put("acc-1", { owner: "Ada", balance: 100 });
    await accounts.put("acc-2", { owner: "Bob", balance: 250 });
    const raw = kv.get("acc-1")!;
    expect(raw[0]).toBe(0); // Confluent magic byte, then the id
    expect(registry.requests).toContain("POST /subjects/accounts-value/versions");
    const err = await kvError(accounts.put("acc-3", { owner: "Eve", balance: "lots" } as never));
    expect(err.code).toBe("serde");
    expect(err.message).toContain('balance = "lots"');

    const other = await openStore("accounts");
    const view = other.typed(
      avroSerde<{ owner: string; balance: number }>(schema, { registry: registry.url }),
    );
    const entries: string[] = [];
    for await (const e of view.range({ prefix: "acc-" }))
      entries.push(`${utf8(e.key)}:${e.value.owner}:${e.value.balance}`);
    expect(entries).toEqual(["acc-1:Ada:100", "acc-2:Bob:250"]);
  });

  test("Protobuf values round-trip through the store with the registry", async () => {
    const proto = `syntax = "proto3"; package inv; message Item { string sku = 1; int32 qty = 2; }`;
    const kv = await openStore("inventory");
    const items = kv.typed(
      protobufSerde<{ sku: string; qty: number }>(
        { proto, messageType: "inv.Item" },
        { registry: registry.url },
      ),
    );
    await items.put("i1", { sku: "X-1", qty: 3 });
    expect(await items.get("i1")).toEqual({ sku: "X-1", qty: 3 });
    expect((await kvError(items.put("i2", { sku: "X-2", qty: "many" } as never))).code).toBe(
      "serde",
    );
  });

  test("a user-supplied LocalStore backs the store", async () => {
    class MapStore implements LocalStore {
      readonly map = new Map<string, KvEntry>();
      cleared = 0;
      get size() {
        return this.map.size;
      }
      get(key: Uint8Array) {
        return this.map.get(Buffer.from(key).toString("hex"))?.value;
      }
      set(key: Uint8Array, value: Uint8Array) {
        this.map.set(Buffer.from(key).toString("hex"), { key, value });
      }
      delete(key: Uint8Array) {
        return this.map.delete(Buffer.from(key).toString("hex"));
      }
      scan(q: ScanQuery) {
        return [...this.map.values()]
          .filter((e) => {
            const c = q.start ? compareBytes(e.key, q.start) : 1;
            return (
              (c > 0 || (c === 0 && !q.startExclusive)) &&
              (!q.end || compareBytes(e.key, q.end) < 0)
            );
          })
          .sort((a, b) => compareBytes(a.key, b.key))
          .slice(0, q.limit);
      }
      clear() {
        this.cleared++;
        this.map.clear();
      }
    }
    const storage = new MapStore();
    const kv = await openStore("custom-local", { storage });
    await kv.put("b", "2");
    await kv.put("a", "1");
    expect(storage.cleared).toBe(1);
    expect(storage.size).toBe(2);
    expect(await keysOf(kv.range())).toEqual(["a", "b"]);
  });
});
