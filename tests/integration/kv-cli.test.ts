/**
 * `datacore kv` as a script would use it, against a datacore broker process: put from an
 * argument and from stdin, get (text and JSON), list with prefix and limit, delete, and
 * the exit codes — 1 for a missing key, a missing topic or a topic that cannot back a
 * store, 2 for bad usage.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { KafkaClient } from "../../client/index.ts";
import { runCli } from "../fixtures/cli.ts";
import { type RunningBroker, startBroker } from "../fixtures/datacore-broker.ts";

describe("datacore kv", () => {
  let broker: RunningBroker;
  let cli: (args: string[], stdin?: string) => ReturnType<typeof runCli>;
  beforeAll(async () => {
    broker = await startBroker();
    cli = (args, stdin) =>
      runCli(["kv", ...args], {
        brokers: broker.bootstrap,
        ...(stdin === undefined ? {} : { stdin }),
      });
  });
  afterAll(() => broker.stop());

  test("put, get, list and delete round-trip through a compacted topic", async () => {
    expect((await cli(["put", "config", "db.host", "10.0.0.5"])).code).toBe(0);
    expect((await cli(["put", "config", "db.port"], "5432")).code).toBe(0);
    expect((await cli(["put", "config", "web.port", "8080"])).code).toBe(0);

    const get = await cli(["get", "config", "db.host"]);
    expect(get).toMatchObject({ code: 0, stdout: "10.0.0.5\n" });
    const json = await cli(["get", "config", "db.port", "--format", "json"]);
    expect(JSON.parse(json.stdout)).toEqual({ key: "db.port", value: "5432" });

    const list = await cli(["list", "config", "--prefix", "db."]);
    expect(list.code).toBe(0);
    expect(list.stdout).toBe("KEY      VALUE\ndb.host  10.0.0.5\ndb.port  5432\n");
    const limited = await cli(["list", "config", "--limit", "2", "--format", "json"]);
    expect(JSON.parse(limited.stdout)).toEqual({
      entries: [
        { key: "db.host", value: "10.0.0.5" },
        { key: "db.port", value: "5432" },
      ],
    });
    expect((await cli(["list", "config", "--start", "db.port", "--keys-only"])).stdout).toBe(
      "db.port\nweb.port\n",
    );

    const del = await cli(["delete", "config", "db.host", "--format", "json"]);
    expect(JSON.parse(del.stdout)).toEqual({ key: "db.host", existed: true });
    const gone = await cli(["get", "config", "db.host"]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('KEY_NOT_FOUND: key "db.host" is not in config');

    const kafka = new KafkaClient({ brokers: broker.bootstrap });
    const configs = await kafka.admin().describeConfigs("topic", "config", ["cleanup.policy"]);
    expect(configs[0]?.value).toBe("compact");
    await kafka.close();
  }, 60_000);

  test("reads of a missing topic fail with exit 1 and do not create it", async () => {
    const r = await cli(["get", "no-such-topic", "k"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("topic no-such-topic does not exist");
    expect((await cli(["list", "no-such-topic"])).code).toBe(1);
  }, 30_000);

  test("a topic that is not compacted is refused with exit 1", async () => {
    const kafka = new KafkaClient({ brokers: broker.bootstrap });
    await kafka.admin().createTopics([{ name: "events", partitions: 1 }]);
    await kafka.close();
    const r = await cli(["put", "events", "k", "v"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("NOT_COMPACTED: topic events has cleanup.policy=delete");
  }, 30_000);

  test("bad usage exits 2", async () => {
    expect((await cli(["get", "config"])).code).toBe(2);
    expect((await cli(["list", "config", "--limit", "0"])).code).toBe(2);
    expect((await cli(["list", "config", "--prefix", "a", "--start", "b"])).code).toBe(2);
    expect((await cli(["get", "config", "k", "--timeout", "soon"])).code).toBe(2);
  }, 30_000);

  test("an unreachable broker exits 1 after the timeout", async () => {
    const r = await runCli([
      "kv",
      "get",
      "config",
      "k",
      "--brokers",
      "127.0.0.1:1",
      "--timeout",
      "1s",
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("UNAVAILABLE");
  }, 30_000);
});
