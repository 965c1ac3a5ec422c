/**
 * Two stores on one topic in two processes, against a broker with the file engine and a
 * topic set up to compact quickly: each process reads its own writes at once, both
 * converge to the same contents, compaction removes overwritten values from the log, and
 * after a broker restart on the same data dir a fresh store bootstraps to those contents.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { type ConsumerRecord, KafkaClient, KvStore, utf8 } from "../../client/index.ts";
import {
  type BrokerProcess,
  removeDir,
  startBrokerProcess,
  tempDataDir,
} from "../helpers/broker-process.ts";

const TOPIC = "shared-kv";
const ROUNDS = 12;
const KEYS = 20;
const CHILD = join(import.meta.dir, "../fixtures/kv-child.ts");

let dataDir: string;
let broker: BrokerProcess;

beforeAll(async () => {
  dataDir = tempDataDir("datacore-kv-");
  broker = await startBrokerProcess({ dataDir });
});
afterAll(async () => {
  await broker.stop();
  removeDir(dataDir);
});

async function contents(kv: KvStore): Promise<[string, string][]> {
  const out: [string, string][] = [];
  for await (const e of kv.range()) out.push([utf8(e.key), utf8(e.value)]);
  return out;
}

/** Every record of the topic's log, from its start (what compaction left). */
async function readLog(bootstrap: string): Promise<ConsumerRecord[]> {
  const kafka = new KafkaClient({ brokers: bootstrap });
  try {
    const end = (await kafka.admin().listOffsets([{ topic: TOPIC, partition: 0, timestamp: -1 }]))
      .values()
      .next().value!.offset;
    const consumer = kafka.consumer({ autoOffsetReset: "earliest" });
    consumer.assign([{ topic: TOPIC, partition: 0 }]);
    const out: ConsumerRecord[] = [];
    const deadline = Date.now() + 10_000;
    while ((consumer.position({ topic: TOPIC, partition: 0 }) ?? 0) < end && Date.now() < deadline)
      out.push(...(await consumer.poll(500)));
    return out;
  } finally {
    await kafka.close();
  }
}

test("two processes read their own writes, converge, and survive compaction and a restart", async () => {
  const parent = await KvStore.open(TOPIC, {
    brokers: broker.bootstrap,
    operationTimeoutMs: 20_000,
    // Small segments that roll quickly and a cleaner that runs on any dirt.
    topicConfigs: {
      "segment.bytes": "4096",
      "segment.ms": "200",
      "min.cleanable.dirty.ratio": "0.01",
      "min.compaction.lag.ms": "0",
    },
  });
  const child = Bun.spawn(
    [
      process.execPath,
      CHILD,
      broker.bootstrap,
      TOPIC,
      "child",
      "parent",
      String(ROUNDS),
      String(KEYS),
    ],
    { stdout: "pipe", stderr: "inherit" },
  );
  let misses = 0;
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < KEYS; k++) {
      const value = `parent-r${r}`;
      await parent.put(`parent-${k}`, value);
      if (utf8(parent.get(`parent-${k}`) ?? new Uint8Array()) !== value) misses++;
      await parent.put(`shared-${k}`, value);
    }
  }
  await parent.delete("parent-0");
  expect(parent.get("parent-0")).toBeUndefined();
  await parent.put("parent-done", "1");
  const childOut = JSON.parse(await new Response(child.stdout).text()) as {
    misses: number;
    sawPeer: boolean;
    entries: [string, string][];
  };
  expect(await child.exited).toBe(0);
  expect(misses).toBe(0);
  expect(childOut.misses).toBe(0);
  expect(childOut.sawPeer).toBe(true);

  // The parent converges on everything the child wrote before its marker.
  await parent.sync();
  expect(parent.get("child-done")).toBeDefined();
  const mine = await contents(parent);
  expect(childOut.entries).toEqual(mine);
  const map = new Map(mine);
  expect(map.get("child-5")).toBe(`child-r${ROUNDS - 1}`);
  expect(map.get("parent-5")).toBe(`parent-r${ROUNDS - 1}`);
  expect(map.has("child-0")).toBe(false);
  expect(map.size).toBe(2 * (KEYS - 1) + KEYS + 2);

  // Compaction: the file engine's cleaner runs every 15 s; wait for it to drop old values.
  const written = 2 * (ROUNDS * KEYS * 2 + 2);
  let log: ConsumerRecord[] = [];
  const deadline = Date.now() + 60_000;
  for (;;) {
    log = await readLog(broker.bootstrap);
    const firstRound = log.filter((r) => r.key && utf8(r.key) === "parent-5").length;
    if (log.length < written / 2 && firstRound < ROUNDS / 2) break;
    if (Date.now() > deadline) break;
    await Bun.sleep(1000);
  }
  const versions = log.filter((r) => r.key && utf8(r.key) === "parent-5");
  expect(log.length).toBeLessThan(written / 2);
  expect(versions.length).toBeLessThan(ROUNDS / 2);
  expect(versions.at(-1) && utf8(versions.at(-1)!.value!)).toBe(`parent-r${ROUNDS - 1}`);
  // The oldest value of a key overwritten in every round is gone from the log.
  expect(
    log.some((r) => r.key && utf8(r.key) === "shared-3" && utf8(r.value!) === "parent-r0"),
  ).toBe(false);

  // Restart the broker on the same port and data dir; a new store bootstraps to the same map.
  const port = broker.port;
  expect(await broker.stop()).toBe(0);
  broker = await startBrokerProcess({ dataDir, args: ["--broker-port", String(port)] });
  expect(broker.port).toBe(port);
  const fresh = await KvStore.open(TOPIC, { brokers: broker.bootstrap });
  expect(await contents(fresh)).toEqual(mine);
  // The store that lived through the restart keeps working and the new one sees its write.
  await parent.put("after-restart", "yes");
  await fresh.sync();
  expect(utf8(fresh.get("after-restart")!)).toBe("yes");
  await fresh.close();
  await parent.close();
}, 120_000);
