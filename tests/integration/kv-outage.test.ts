/**
 * A broker that goes away: writes fail with KvError "timeout" after the operation timeout
 * (naming what the store last saw), local reads keep answering, and once the broker comes
 * back on the same port and data dir the same store writes and reads again.
 */
import { afterAll, expect, test } from "bun:test";
import { KvError, KvStore, utf8 } from "../../client/index.ts";
import {
  type BrokerProcess,
  removeDir,
  startBrokerProcess,
  tempDataDir,
} from "../helpers/broker-process.ts";

const dataDir = tempDataDir("datacore-kv-outage-");
let broker: BrokerProcess | null = null;

afterAll(async () => {
  await broker?.stop();
  removeDir(dataDir);
});

async function failure(p: Promise<unknown>): Promise<KvError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof KvError) return err;
    throw err;
  }
  throw new Error("expected the operation to fail");
}

test("writes time out while the broker is down and succeed again once it is back", async () => {
  broker = await startBrokerProcess({ dataDir });
  const port = broker.port;
  const kv = await KvStore.open("outage", { brokers: broker.bootstrap, operationTimeoutMs: 3000 });
  await kv.put("before", "1");

  expect(await broker.stop()).toBe(0);
  broker = null;
  const started = Date.now();
  // Either the operation timeout fires first, or the producer gives up on the unreachable
  // broker first; both are a bounded, typed failure that says what happened.
  const err = await failure(kv.put("during", "2"));
  expect(["timeout", "unavailable"]).toContain(err.code);
  if (err.code === "timeout") {
    expect(err.message).toMatch(/put of key "during" on outage did not complete within 3000 ms/);
    expect(err.message).toContain("the broker did not acknowledge it");
  } else {
    expect(err.message).toMatch(/put of key "during".*failed/);
  }
  expect(Date.now() - started).toBeLessThan(10_000);
  expect(["timeout", "unavailable"]).toContain((await failure(kv.sync())).code);
  expect(["timeout", "unavailable"]).toContain(
    (await failure(kv.batch().put("x", "y").execute())).code,
  );
  // Reads are local: they keep answering from what was applied.
  expect(utf8(kv.get("before")!)).toBe("1");

  broker = await startBrokerProcess({ dataDir, args: ["--broker-port", String(port)] });
  // The store reconnects by itself; a write made after the restart is read back at once.
  await kv.put("after", "3");
  expect(utf8(kv.get("after")!)).toBe("3");
  await kv.delete("before");
  expect(kv.get("before")).toBeUndefined();

  const other = await KvStore.open("outage", { brokers: broker.bootstrap });
  expect(other.get("before")).toBeUndefined();
  expect(utf8(other.get("after")!)).toBe("3");
  await other.close();
  await kv.close();
}, 60_000);

test("opening a store with no broker to talk to fails with a clear error", async () => {
  const started = Date.now();
  const err = await failure(
    KvStore.open("nowhere", { brokers: "127.0.0.1:1", operationTimeoutMs: 2000 }),
  );
  expect(err.code).toBe("unavailable");
  expect(err.message).toMatch(
    /open key-value store on topic nowhere failed: cannot reach any broker/,
  );
  expect(Date.now() - started).toBeLessThan(10_000);
});
