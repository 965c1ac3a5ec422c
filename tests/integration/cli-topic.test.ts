/**
 * The topic, offset, cluster and health commands against this project's broker, spawned
 * as users run them (`bun main.ts …`), in text and JSON, including the error paths:
 * Kafka errors exit 1 with the Kafka error name, usage errors exit 2.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { json, runCli } from "../fixtures/cli.ts";
import { freePort, type RunningBroker, startBroker } from "../fixtures/datacore-broker.ts";

let broker: RunningBroker;
const cli = (args: string[], stdin?: string) =>
  runCli(args, { brokers: broker.bootstrap, ...(stdin !== undefined ? { stdin } : {}) });

beforeAll(async () => {
  broker = await startBroker();
});
afterAll(async () => {
  await broker.stop();
});

describe("topic create / list / describe / delete", () => {
  test("create prints OK per topic; JSON carries partitions and no error", async () => {
    const text = await cli(["topic", "create", "orders", "-p", "3", "-c", "retention.ms=3600000"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/orders\s+OK/);
    const r = await cli(["topic", "create", "payments", "-p", "2", "--format", "json"]);
    expect(r.code).toBe(0);
    expect(json(r)).toMatchObject({ topics: [{ name: "payments", partitions: 2, error: null }] });
  });

  test("creating an existing topic exits 1 with TOPIC_ALREADY_EXISTS", async () => {
    const r = await cli(["topic", "create", "orders"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("TOPIC_ALREADY_EXISTS");
    const j = await cli(["topic", "create", "orders", "--format", "json"]);
    expect(j.code).toBe(1);
    expect(json(j)).toMatchObject({
      topics: [{ name: "orders", error: { name: "TOPIC_ALREADY_EXISTS", code: 36 } }],
    });
  });

  test("list shows topics with partition counts", async () => {
    const text = await cli(["topic", "list"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^NAME\s+PARTITIONS\s+REPLICAS/);
    expect(text.stdout).toMatch(/orders\s+3\s+1/);
    const j = json<{ topics: { name: string; partitions: number }[] }>(
      await cli(["topic", "list", "--format", "json"]),
    );
    expect(j.topics.find((t) => t.name === "payments")).toMatchObject({
      partitions: 2,
      replicationFactor: 1,
      internal: false,
    });
  });

  test("describe shows partitions with leader, replicas, ISR, offsets and configs with sources", async () => {
    const text = await cli(["topic", "describe", "orders"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("PARTITIONS");
    expect(text.stdout).toMatch(/retention\.ms\s+3600000\s+DYNAMIC_TOPIC_CONFIG/);
    const j = json<{
      partitions: {
        partition: number;
        leader: number;
        replicas: number[];
        isr: number[];
        highWatermark: number;
      }[];
      configs: { name: string; value: string; source: string }[];
    }>(await cli(["topic", "describe", "orders", "--format", "json"]));
    expect(j.partitions.map((p) => p.partition)).toEqual([0, 1, 2]);
    expect(j.partitions[0]).toMatchObject({
      leader: 1,
      replicas: [1],
      isr: [1],
      highWatermark: 0,
      logStartOffset: 0,
    });
    expect(j.configs.find((c) => c.name === "retention.ms")).toMatchObject({
      value: "3600000",
      source: "DYNAMIC_TOPIC_CONFIG",
    });
    expect(j.configs.find((c) => c.name === "cleanup.policy")?.source).toBe("DEFAULT_CONFIG");
  });

  test("describing an unknown topic exits 1 with UNKNOWN_TOPIC_OR_PARTITION", async () => {
    const r = await cli(["topic", "describe", "no-such-topic"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("UNKNOWN_TOPIC_OR_PARTITION");
  });

  test("alter-config sets and deletes keys; describe reflects both", async () => {
    const r = await cli([
      "topic",
      "alter-config",
      "orders",
      "--set",
      "cleanup.policy=compact",
      "--delete",
      "retention.ms",
    ]);
    expect(r.code).toBe(0);
    const j = json<{ configs: { name: string; value: string; source: string }[] }>(
      await cli(["topic", "describe", "orders", "--format", "json"]),
    );
    expect(j.configs.find((c) => c.name === "cleanup.policy")).toMatchObject({
      value: "compact",
      source: "DYNAMIC_TOPIC_CONFIG",
    });
    expect(j.configs.find((c) => c.name === "retention.ms")?.source).toBe("DEFAULT_CONFIG");
    const js = await cli([
      "topic",
      "alter-config",
      "orders",
      "--set",
      "retention.ms=1000",
      "--format",
      "json",
    ]);
    expect(json(js)).toEqual({ topic: "orders", set: { "retention.ms": "1000" }, deleted: [] });
  });

  test("alter-config without changes is a usage error (exit 2)", async () => {
    const r = await cli(["topic", "alter-config", "orders"]);
    expect(r.code).toBe(2);
  });

  test("add-partitions grows the topic", async () => {
    const r = await cli(["topic", "add-partitions", "payments", "--num", "2", "--format", "json"]);
    expect(r.code).toBe(0);
    expect(json(r)).toMatchObject({ partitionsBefore: 2, partitionsAfter: 4, error: null });
    const t = await cli(["topic", "add-partitions", "payments", "-n", "1"]);
    expect(t.stdout).toMatch(/payments\s+4 -> 5\s+OK/);
  });

  test("delete removes topics; an unknown one in the list exits 1", async () => {
    await cli(["topic", "create", "doomed"]);
    const r = await cli(["topic", "delete", "doomed", "never-was", "--format", "json"]);
    expect(r.code).toBe(1);
    const j = json<{ topics: { name: string; error: { name: string } | null }[] }>(r);
    expect(j.topics.find((t) => t.name === "doomed")?.error).toBeNull();
    expect(j.topics.find((t) => t.name === "never-was")?.error?.name).toBe(
      "UNKNOWN_TOPIC_OR_PARTITION",
    );
    const list = await cli(["topic", "list"]);
    expect(list.stdout).not.toContain("doomed");
    await cli(["topic", "create", "doomed2"]);
    const text = await cli(["topic", "delete", "doomed2"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/doomed2\s+OK/);
  });
});

describe("produce and consume", () => {
  test("produce with -K splits keys; consume prints the template", async () => {
    await cli(["topic", "create", "kv", "-p", "1"]);
    const p = await cli(["topic", "produce", "kv", "-K", ":", "-H", "src=test"], "a:1\nb:2\nc:3\n");
    expect(p.code).toBe(0);
    expect(p.stdout).toContain("Produced 3 records to kv");
    const c = await cli([
      "topic",
      "consume",
      "kv",
      "--from-beginning",
      "-n",
      "3",
      "--format",
      "%k=%v@%p/%o %h\\n",
    ]);
    expect(c.code).toBe(0);
    expect(c.stdout).toBe("a=1@0/0 src=test\nb=2@0/1 src=test\nc=3@0/2 src=test\n");
  });

  test("consume --format json prints one object per record", async () => {
    const c = await cli(["topic", "consume", "kv", "--offset", "1", "-e", "--format", "json"]);
    expect(c.code).toBe(0);
    const lines = c.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.key, l.value, l.offset])).toEqual([
      ["b", "2", 1],
      ["c", "3", 2],
    ]);
    expect(lines[0].headers).toEqual([{ key: "src", value: "test" }]);
  });

  test("--offset -1 reads just the last record; produce --format json reports counts", async () => {
    const p = await cli(["topic", "produce", "kv", "--key", "z", "--format", "json"], "last\n");
    expect(json(p)).toEqual({
      topic: "kv",
      records: 1,
      partitions: [{ partition: 0, records: 1 }],
    });
    const c = await cli(["topic", "consume", "kv", "--offset", "-1", "-e"]);
    expect(c.stdout).toBe("last\n");
  });

  test("produce sends lines as they arrive on stdin; consume runs until Ctrl-C, then exits 0", async () => {
    await cli(["topic", "create", "live", "-p", "1"]);
    const main = `${import.meta.dir}/../../main.ts`;
    const env = { ...process.env, DATACORE_BROKERS: broker.bootstrap };
    const consumer = Bun.spawn(
      [process.execPath, main, "topic", "consume", "live", "--from-beginning"],
      {
        env,
        stdout: "pipe",
        stderr: "pipe",
      },
    );
    const producer = Bun.spawn([process.execPath, main, "topic", "produce", "live"], {
      env,
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
    });
    producer.stdin.write("first\n");
    producer.stdin.flush();
    // The consumer prints "first" while the producer still has its stdin open.
    const reader = consumer.stdout.getReader();
    let seen = "";
    while (!seen.includes("first\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += new TextDecoder().decode(value);
    }
    expect(seen).toBe("first\n");
    expect(producer.exitCode).toBeNull();
    producer.stdin.write("second\n");
    producer.stdin.end();
    expect(await producer.exited).toBe(0);
    while (!seen.includes("second\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += new TextDecoder().decode(value);
    }
    reader.releaseLock();
    consumer.kill("SIGINT");
    expect(await consumer.exited).toBe(0);
    expect(seen).toBe("first\nsecond\n");
  }, 30_000);

  test("consuming an unknown topic exits 1 with UNKNOWN_TOPIC_OR_PARTITION", async () => {
    const r = await cli(["topic", "consume", "ghost", "-e"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("UNKNOWN_TOPIC_OR_PARTITION");
  });

  test("an unknown placeholder in the template is a usage error", async () => {
    const r = await cli(["topic", "consume", "kv", "-e", "--format", "%q"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("%q");
  });
});

describe("offset list, cluster describe, health", () => {
  test("offset list shows earliest and latest per partition", async () => {
    await cli(["topic", "create", "counted", "-p", "2"]);
    await cli(["topic", "produce", "counted", "--partition", "1"], "x\ny\n");
    const j = json<{
      partitions: { topic: string; partition: number; earliest: number; latest: number }[];
    }>(await cli(["offset", "list", "--topic", "counted", "--format", "json"]));
    expect(j.partitions).toEqual([
      { topic: "counted", partition: 0, earliest: 0, latest: 0 },
      { topic: "counted", partition: 1, earliest: 0, latest: 2 },
    ]);
    const t = await cli(["offset", "list", "--topic", "counted", "--timestamp", "0"]);
    expect(t.stdout).toMatch(/counted\s+1\s+0\s+2\s+0/);
  });

  test("offset list without --topic is a usage error", async () => {
    expect((await cli(["offset", "list"])).code).toBe(2);
  });

  test("cluster describe shows the cluster id and the broker", async () => {
    const j = json<{
      clusterId: string;
      controllerId: number;
      brokers: { nodeId: number; host: string; port: number; rack: string | null }[];
    }>(await cli(["cluster", "describe", "--format", "json"]));
    expect(j.clusterId.length).toBeGreaterThan(0);
    expect(j.brokers).toEqual([{ nodeId: 1, host: "127.0.0.1", port: broker.port, rack: null }]);
    const t = await cli(["cluster", "describe"]);
    expect(t.stdout).toContain(j.clusterId);
  });

  test("health exits 0 when the broker answers", async () => {
    const r = await cli(["health"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("healthy");
    expect(json(await cli(["health", "--format", "json"]))).toMatchObject({
      healthy: true,
      brokers: 1,
    });
  });

  test("health exits 1 with the reason when nothing listens", async () => {
    const r = await runCli(["health", "--brokers", `127.0.0.1:${freePort()}`, "--timeout", "1s"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("BROKER_UNREACHABLE");
  });

  test("health --wait gives up after the wait with exit 1", async () => {
    const started = Date.now();
    const r = await runCli([
      "health",
      "--brokers",
      `127.0.0.1:${freePort()}`,
      "--wait",
      "600ms",
      "--timeout",
      "200ms",
    ]);
    expect(r.code).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
  });
});

describe("usage and connection errors", () => {
  test("an unknown flag exits 2", async () => {
    const r = await cli(["topic", "list", "--bogus"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--bogus");
  });

  test("a non-numeric partition count exits 2", async () => {
    const r = await cli(["topic", "create", "x", "-p", "three"]);
    expect(r.code).toBe(2);
  });

  test("a broker that is down gives exit 1 and says it cannot reach it", async () => {
    const r = await runCli(["topic", "list", "--brokers", `127.0.0.1:${freePort()}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/BROKER_UNREACHABLE: cannot reach any broker/);
  });

  test("produce and consume with the broker down fail fast with exit 1", async () => {
    const brokers = `127.0.0.1:${freePort()}`;
    const p = await runCli(["topic", "produce", "t", "--brokers", brokers], { stdin: "x\n" });
    expect(p.code).toBe(1);
    expect(p.stderr).toContain("BROKER_UNREACHABLE");
    const c = await runCli(["topic", "consume", "t", "--brokers", brokers]);
    expect(c.code).toBe(1);
    expect(c.stderr).toContain("BROKER_UNREACHABLE");
  });

  test("a malformed --brokers value exits 2", async () => {
    const r = await runCli(["topic", "list", "--brokers", "localhost:notaport"]);
    expect(r.code).toBe(2);
  });
});
