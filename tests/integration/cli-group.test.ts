/**
 * The group commands. librdkafka's mock cluster has groups (JoinGroup, SyncGroup,
 * OffsetCommit, OffsetFetch) but no ListGroups/DescribeGroups/DeleteGroups, so there the
 * commands show committed offsets and lag, and the missing APIs fail with exit 1 and a
 * clear message. Against datacore the full set runs once its broker advertises the group
 * APIs (the suite checks ApiVersions and runs only what the broker offers).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Cluster } from "../../client/cluster.ts";
import { KafkaClient } from "../../client/index.ts";
import { Apis } from "../../client/net/apis.ts";
import { json, runCli } from "../fixtures/cli.ts";
import { type RunningBroker, startBroker } from "../fixtures/datacore-broker.ts";
import {
  type MockCluster,
  mockClusterAvailable,
  startMockCluster,
} from "../fixtures/mock-cluster.ts";

interface OffsetsJson {
  groupId: string;
  state: string | null;
  members: { memberId: string; assignment: { topic: string; partition: number }[] }[] | null;
  offsets: {
    topic: string;
    partition: number;
    currentOffset: number | null;
    logEndOffset: number;
    lag: number | null;
  }[];
  totalLag: number;
}

/** Scenario shared by both targets: a consumer group reads 5 of 20 records, then offsets move. */
type Register = (name: string, fn: () => Promise<void>) => void;

function groupScenario(test: Register, bootstrap: () => string, createTopic: boolean) {
  const cli = (args: string[], stdin?: string) =>
    runCli(args, { brokers: bootstrap(), ...(stdin !== undefined ? { stdin } : {}) });

  test("a group that consumed 5 of 20 records shows committed offset 5, log end 20, lag 15", async () => {
    if (createTopic) expect((await cli(["topic", "create", "events", "-p", "1"])).code).toBe(0);
    const lines = `${Array.from({ length: 20 }, (_, i) => `e${i}`).join("\n")}\n`;
    expect((await cli(["topic", "produce", "events", "--partition", "0"], lines)).code).toBe(0);
    const consumed = await cli([
      "topic",
      "consume",
      "events",
      "--group",
      "readers",
      "--from-beginning",
      "-n",
      "5",
    ]);
    expect(consumed.code).toBe(0);
    expect(consumed.stdout).toBe("e0\ne1\ne2\ne3\ne4\n");
    const d = await cli(["group", "describe", "readers", "--format", "json"]);
    expect(d.code).toBe(0);
    const j = json<OffsetsJson>(d);
    expect(j.offsets).toEqual([
      {
        topic: "events",
        partition: 0,
        currentOffset: 5,
        logEndOffset: 20,
        lag: 15,
        memberId: null,
        clientId: null,
        host: null,
      },
    ] as never);
    expect(j.totalLag).toBe(15);
    const t = await cli(["group", "describe", "readers"]);
    expect(t.stdout).toMatch(/events\s+0\s+5\s+20\s+15/);
  });

  test("the group resumes where it committed", async () => {
    const next = await cli(["topic", "consume", "events", "--group", "readers", "-n", "2"]);
    expect(next.stdout).toBe("e5\ne6\n");
  });

  test("reset-offsets --dry-run shows the plan and commits nothing", async () => {
    const r = await cli([
      "group",
      "reset-offsets",
      "fresh",
      "--topic",
      "events:0",
      "--to-offset",
      "12",
      "--dry-run",
      "--format",
      "json",
    ]);
    expect(r.code).toBe(0);
    expect(json(r)).toEqual({
      groupId: "fresh",
      dryRun: true,
      offsets: [{ topic: "events", partition: 0, oldOffset: null, newOffset: 12 }],
    });
    const d = await cli(["group", "describe", "fresh", "--format", "json"]);
    if (createTopic) {
      // datacore knows the group does not exist (DescribeGroups says Dead).
      expect(d.code).toBe(1);
      expect(d.stderr).toContain("GROUP_ID_NOT_FOUND");
    } else {
      expect(json<OffsetsJson>(d).offsets).toEqual([]);
    }
  });

  test("reset-offsets to an offset, then shift-by and to-earliest/latest, clamped to the log", async () => {
    expect(
      (await cli(["group", "reset-offsets", "fresh", "--topic", "events:0", "--to-offset", "12"]))
        .code,
    ).toBe(0);
    const shifted = json<{ offsets: { oldOffset: number; newOffset: number }[] }>(
      await cli([
        "group",
        "reset-offsets",
        "fresh",
        "--topic",
        "events:0",
        "--shift-by",
        "-2",
        "--format",
        "json",
      ]),
    );
    expect(shifted.offsets).toEqual([
      { topic: "events", partition: 0, oldOffset: 12, newOffset: 10 },
    ] as never);
    const far = json<{ offsets: { newOffset: number }[] }>(
      await cli([
        "group",
        "reset-offsets",
        "fresh",
        "--topic",
        "events:0",
        "--to-offset",
        "999",
        "--format",
        "json",
      ]),
    );
    expect(far.offsets[0]?.newOffset).toBe(20);
    await cli(["group", "reset-offsets", "fresh", "--topic", "events:0", "--to-earliest"]);
    let d = json<OffsetsJson>(await cli(["group", "describe", "fresh", "--format", "json"]));
    expect(d.offsets[0]?.currentOffset).toBe(0);
    await cli(["group", "reset-offsets", "fresh", "--topic", "events:0", "--to-latest"]);
    d = json<OffsetsJson>(await cli(["group", "describe", "fresh", "--format", "json"]));
    expect(d.offsets[0]).toMatchObject({ currentOffset: 20, lag: 0 });
  });

  test("reset-offsets --to-datetime in the past lands on the earliest offset", async () => {
    if (!createTopic) return; // the mock answers ListOffsets only for earliest/latest
    const r = json<{ offsets: { newOffset: number }[] }>(
      await cli([
        "group",
        "reset-offsets",
        "fresh",
        "--topic",
        "events",
        "--to-datetime",
        "2001-01-01T00:00:00Z",
        "--format",
        "json",
      ]),
    );
    expect(r.offsets[0]?.newOffset).toBe(0);
  });

  test("reset-offsets usage errors exit 2", async () => {
    expect((await cli(["group", "reset-offsets", "fresh", "--topic", "events"])).code).toBe(2);
    expect((await cli(["group", "reset-offsets", "fresh", "--to-earliest"])).code).toBe(2);
    expect(
      (
        await cli([
          "group",
          "reset-offsets",
          "fresh",
          "--topic",
          "events",
          "--to-datetime",
          "yesterday",
        ])
      ).code,
    ).toBe(2);
  });

  test("reset-offsets for an unknown topic exits 1 with UNKNOWN_TOPIC_OR_PARTITION", async () => {
    if (!createTopic) return; // the mock creates any topic it is asked about (4 partitions)
    const r = await cli(["group", "reset-offsets", "fresh", "--topic", "nope", "--to-earliest"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("UNKNOWN_TOPIC_OR_PARTITION");
  });
}

describe.if(mockClusterAvailable())("group commands against librdkafka's mock cluster", () => {
  let mock: MockCluster;
  beforeAll(async () => {
    mock = await startMockCluster();
  });
  afterAll(async () => {
    await mock.stop();
  });

  groupScenario(
    (name, fn) => test(name, fn, 30_000),
    () => mock.bootstrap,
    false,
  );

  test("a live member's committed offset shows up in describe", async () => {
    const kafka = new KafkaClient({ brokers: mock.bootstrap });
    const consumer = kafka.consumer({
      groupId: "live",
      autoOffsetReset: "earliest",
      heartbeatIntervalMs: 200,
    });
    consumer.subscribe(["events"]);
    const records = await consumer.poll(5000);
    expect(records.length).toBeGreaterThan(0);
    expect(consumer.assignment()).toContainEqual({ topic: "events", partition: 0 });
    await consumer.commit();
    const d = json<OffsetsJson>(
      await runCli(["group", "describe", "live", "--format", "json"], { brokers: mock.bootstrap }),
    );
    expect(d.offsets[0]?.currentOffset).toBe(records.at(-1)!.offset + 1);
    await kafka.close();
  }, 30_000);

  test("APIs the mock lacks fail with exit 1 and name the API", async () => {
    const list = await runCli(["group", "list"], { brokers: mock.bootstrap });
    expect(list.code).toBe(1);
    expect(list.stderr).toContain("does not support ListGroups");
    const del = await runCli(["group", "delete", "fresh"], { brokers: mock.bootstrap });
    expect(del.code).toBe(1);
    expect(del.stderr).toContain("does not support DeleteGroups");
  });
});

async function datacoreHasGroups(bootstrap: string): Promise<boolean> {
  const cluster = new Cluster({ brokers: bootstrap });
  try {
    const nc = await cluster.connection("any");
    return [
      Apis.JoinGroup,
      Apis.SyncGroup,
      Apis.OffsetCommit,
      Apis.OffsetFetch,
      Apis.FindCoordinator,
    ].every((a) => cluster.supports(nc, a));
  } finally {
    await cluster.close();
  }
}

describe("group commands against datacore", () => {
  let broker: RunningBroker;
  let hasGroups = false;
  beforeAll(async () => {
    broker = await startBroker();
    hasGroups = await datacoreHasGroups(broker.bootstrap);
  });
  afterAll(async () => {
    await broker.stop();
  });

  test("the broker either offers the group APIs or the commands say it does not", async () => {
    if (hasGroups) return;
    const r = await runCli(["group", "describe", "anything"], { brokers: broker.bootstrap });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /UNSUPPORTED_VERSION: broker .* does not support (FindCoordinator|OffsetFetch)/,
    );
  });

  describe("full scenario (runs once datacore has group APIs)", () => {
    const gated: Register = (name, fn) =>
      test(name, async () => {
        if (hasGroups) await fn();
      }, 30_000);
    groupScenario(gated, () => broker.bootstrap, true);
    gated("describe shows a live member with its assignment, client id and lag", async () => {
      const kafka = new KafkaClient({ brokers: broker.bootstrap, clientId: "lag-reader" });
      const consumer = kafka.consumer({
        groupId: "live",
        autoOffsetReset: "earliest",
        heartbeatIntervalMs: 200,
      });
      consumer.subscribe(["events"]);
      const deadline = Date.now() + 10_000;
      const seen = [];
      while (seen.length < 20 && Date.now() < deadline) seen.push(...(await consumer.poll(300)));
      await consumer.commit([{ topic: "events", partition: 0, offset: 15 }]);
      const r = await runCli(["group", "describe", "live", "--format", "json"], {
        brokers: broker.bootstrap,
      });
      const d = json<OffsetsJson & { members: { clientId: string; assignment: unknown[] }[] }>(r);
      expect(d.state).toBe("Stable");
      expect(d.members.length).toBe(1);
      expect(d.members[0]).toMatchObject({
        clientId: "lag-reader",
        assignment: [{ topic: "events", partition: 0 }],
      });
      expect(d.offsets[0]).toMatchObject({ currentOffset: 15, logEndOffset: 20, lag: 5 });
      const text = await runCli(["group", "describe", "live"], { brokers: broker.bootstrap });
      expect(text.stdout).toMatch(/STATE\s+Stable/);
      expect(text.stdout).toMatch(/events\s+0\s+15\s+20\s+5\s+\S+\s+lag-reader/);
      const busy = await runCli(["group", "delete", "live"], { brokers: broker.bootstrap });
      expect(busy.code).toBe(1);
      expect(busy.stderr).toContain("NON_EMPTY_GROUP");
      await kafka.close();
    });
    gated("group list and delete", async () => {
      const cli = (args: string[]) => runCli(args, { brokers: broker.bootstrap });
      const list = json<{ groups: { groupId: string }[] }>(
        await cli(["group", "list", "--format", "json"]),
      );
      expect(list.groups.map((g) => g.groupId)).toContain("readers");
      const del = await cli(["group", "delete", "fresh", "--format", "json"]);
      expect(json(del)).toEqual({ groups: [{ groupId: "fresh", error: null }] });
    });
  });
});
