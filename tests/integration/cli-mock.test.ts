/**
 * The admin commands against a second Kafka implementation: librdkafka's mock cluster.
 * What it implements works the same as against datacore; what it lacks (CreateTopics,
 * DescribeConfigs) fails with exit 1 and names the missing API.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { json, runCli } from "../fixtures/cli.ts";
import {
  type MockCluster,
  mockClusterAvailable,
  startMockCluster,
} from "../fixtures/mock-cluster.ts";

describe.if(mockClusterAvailable())("admin commands against librdkafka's mock cluster", () => {
  let mock: MockCluster;
  const cli = (args: string[], stdin?: string) =>
    runCli(args, { brokers: mock.bootstrap, ...(stdin !== undefined ? { stdin } : {}) });

  beforeAll(async () => {
    mock = await startMockCluster();
    // The mock creates topics on first use; producing makes "m1" exist with 4 partitions.
    await cli(["topic", "produce", "m1", "--partition", "2"], "a\nb\nc\n");
  });
  afterAll(async () => {
    await mock.stop();
  });

  test("health and cluster describe", async () => {
    expect((await cli(["health"])).code).toBe(0);
    const c = json<{ clusterId: string; brokers: { nodeId: number }[] }>(
      await cli(["cluster", "describe", "--format", "json"]),
    );
    expect(c.clusterId).toStartWith("mockCluster");
    expect(c.brokers.map((b) => b.nodeId)).toEqual([1]);
  });

  test("topic list and describe (partitions, leaders, offsets; configs not available)", async () => {
    const list = json<{ topics: { name: string; partitions: number }[] }>(
      await cli(["topic", "list", "--format", "json"]),
    );
    expect(list.topics).toContainEqual(expect.objectContaining({ name: "m1", partitions: 4 }));
    const d = json<{
      partitions: { partition: number; leader: number; highWatermark: number }[];
      configs: unknown;
    }>(await cli(["topic", "describe", "m1", "--format", "json"]));
    expect(d.partitions.map((p) => [p.partition, p.leader, p.highWatermark])).toEqual([
      [0, 1, 0],
      [1, 1, 0],
      [2, 1, 3],
      [3, 1, 0],
    ]);
    expect(d.configs).toBeNull();
    const text = await cli(["topic", "describe", "m1"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("does not support DescribeConfigs");
  });

  test("offset list", async () => {
    const j = json<{
      partitions: { topic: string; partition: number; earliest: number; latest: number }[];
    }>(await cli(["offset", "list", "--topic", "m1", "--format", "json"]));
    expect(j.partitions[2]).toEqual({ topic: "m1", partition: 2, earliest: 0, latest: 3 });
  });

  test("consume with a template", async () => {
    const r = await cli([
      "topic",
      "consume",
      "m1",
      "-p",
      "2",
      "--from-beginning",
      "-e",
      "--format",
      "%p:%o:%v\\n",
    ]);
    expect(r.stdout).toBe("2:0:a\n2:1:b\n2:2:c\n");
  });

  test("APIs the mock lacks: exit 1 naming the API", async () => {
    const r = await cli(["topic", "create", "x"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("does not support CreateTopics");
    const a = await cli(["topic", "alter-config", "m1", "--set", "retention.ms=1"]);
    expect(a.code).toBe(1);
    expect(a.stderr).toContain("does not support IncrementalAlterConfigs");
  });
});
