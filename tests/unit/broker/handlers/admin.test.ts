/**
 * Topic administration and lookups through the real pipeline: create/delete/grow topics,
 * configs with sources and synonyms, incremental config operations, offsets by time,
 * DeleteRecords, and the describe APIs.
 */
import { describe, expect, test } from "bun:test";
import { ErrorCode } from "../../../../protocol/errors.ts";
import { ApiKey } from "../../../../protocol/messages/generated/apis.ts";
import { buildRecordBatch } from "../../../../protocol/records/batch.ts";
import { startTestBroker, type TestBroker } from "../harness.ts";

const enc = new TextEncoder();
const TS = 1_600_000_000_000;

async function create(
  b: TestBroker,
  name: string,
  partitions = 1,
  configs: { name: string; value: string }[] = [],
  validateOnly = false,
) {
  const r = await b.call(ApiKey.CreateTopics, 7, {
    topics: [{ name, numPartitions: partitions, replicationFactor: 1, configs }],
    validateOnly,
  });
  return r!.topics[0]!;
}

async function describeTopic(b: TestBroker, name: string, keys: string[] | null = null) {
  const r = await b.call(ApiKey.DescribeConfigs, 4, {
    resources: [{ resourceType: 2, resourceName: name, configurationKeys: keys }],
    includeSynonyms: true,
  });
  return r!.results[0]!;
}

async function produceAt(b: TestBroker, name: string, timestamps: number[]) {
  const records = buildRecordBatch({
    records: timestamps.map((t) => ({ value: enc.encode(String(t)), timestamp: t })),
  });
  await b.call(ApiKey.Produce, 9, {
    acks: -1,
    timeoutMs: 1000,
    topicData: [{ name, partitionData: [{ index: 0, records }] }],
  });
}

async function listOffset(b: TestBroker, name: string, timestamp: number, version = 8) {
  const r = await b.call(ApiKey.ListOffsets, version, {
    replicaId: -1,
    topics: [{ name, partitions: [{ partitionIndex: 0, timestamp: BigInt(timestamp) }] }],
  });
  return r!.topics[0]!.partitions[0]!;
}

describe("topics", () => {
  test("create answers the effective configs; a second create is TOPIC_ALREADY_EXISTS", async () => {
    const b = await startTestBroker();
    const t = await create(b, "orders", 3, [{ name: "retention.ms", value: "1000" }]);
    expect(t.errorCode).toBe(ErrorCode.NONE);
    expect(t.numPartitions).toBe(3);
    expect(t.configs?.find((c) => c.name === "retention.ms")).toMatchObject({
      value: "1000",
      configSource: 1,
    });
    expect((await create(b, "orders")).errorCode).toBe(ErrorCode.TOPIC_ALREADY_EXISTS);
  });

  test("bad names, counts, replication factors and configs get Kafka's error codes", async () => {
    const b = await startTestBroker();
    expect((await create(b, "bad/name")).errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    expect((await create(b, "zero", 0)).errorCode).toBe(ErrorCode.INVALID_PARTITIONS);
    const rf = await b.call(ApiKey.CreateTopics, 7, {
      topics: [{ name: "rf", numPartitions: 1, replicationFactor: 3 }],
    });
    expect(rf!.topics[0]!.errorCode).toBe(ErrorCode.INVALID_REPLICATION_FACTOR);
    expect((await create(b, "cfg", 1, [{ name: "retention.ms", value: "soon" }])).errorCode).toBe(
      ErrorCode.INVALID_CONFIG,
    );
    expect((await create(b, "cfg", 1, [{ name: "no.such.config", value: "1" }])).errorCode).toBe(
      ErrorCode.INVALID_CONFIG,
    );
  });

  test("validate_only checks without creating", async () => {
    const b = await startTestBroker();
    expect((await create(b, "dry", 2, [], true)).errorCode).toBe(ErrorCode.NONE);
    expect(b.core.topic("dry")).toBeUndefined();
  });

  test("metadata auto-creates a requested topic with num_partitions; it can be turned off", async () => {
    const b = await startTestBroker({ num_partitions: 4 });
    const r = await b.call(ApiKey.Metadata, 12, {
      topics: [{ name: "auto" }],
      allowAutoTopicCreation: true,
    });
    expect(r!.topics[0]!.errorCode).toBe(ErrorCode.NONE);
    expect(r!.topics[0]!.partitions.length).toBe(4);
    const off = await startTestBroker({ auto_create_topics_enable: false });
    const r2 = await off.call(ApiKey.Metadata, 12, {
      topics: [{ name: "auto" }],
      allowAutoTopicCreation: true,
    });
    expect(r2!.topics[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  test("partitions only grow; topics delete by name and by id", async () => {
    const b = await startTestBroker();
    await create(b, "grow", 1);
    const grow = await b.call(ApiKey.CreatePartitions, 3, {
      topics: [{ name: "grow", count: 3, assignments: null }],
      timeoutMs: 1000,
    });
    expect(grow!.results[0]!.errorCode).toBe(ErrorCode.NONE);
    expect(b.core.topic("grow")!.partitions.length).toBe(3);
    const shrink = await b.call(ApiKey.CreatePartitions, 3, {
      topics: [{ name: "grow", count: 2, assignments: null }],
      timeoutMs: 1000,
    });
    expect(shrink!.results[0]!.errorCode).toBe(ErrorCode.INVALID_PARTITIONS);
    const id = b.core.topic("grow")!.meta.id;
    const del = await b.call(ApiKey.DeleteTopics, 6, {
      topics: [{ name: null, topicId: id }],
      timeoutMs: 1000,
    });
    expect(del!.responses[0]).toMatchObject({ name: "grow", errorCode: ErrorCode.NONE });
    expect(b.core.topic("grow")).toBeUndefined();
    const again = await b.call(ApiKey.DeleteTopics, 5, { topicNames: ["grow"], timeoutMs: 1000 });
    expect(again!.responses[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  test("DescribeTopicPartitions pages through partitions with a cursor", async () => {
    const b = await startTestBroker();
    await create(b, "a", 3);
    await create(b, "b", 2);
    const first = await b.call(ApiKey.DescribeTopicPartitions, 0, {
      topics: [],
      responsePartitionLimit: 4,
      cursor: null,
    });
    expect(first!.topics.map((t) => [t.name, t.partitions.length])).toEqual([
      ["a", 3],
      ["b", 1],
    ]);
    expect(first!.nextCursor).toEqual({ topicName: "b", partitionIndex: 1 } as never);
    const rest = await b.call(ApiKey.DescribeTopicPartitions, 0, {
      topics: [],
      responsePartitionLimit: 4,
      cursor: first!.nextCursor,
    });
    expect(rest!.topics.map((t) => [t.name, t.partitions.map((p) => p.partitionIndex)])).toEqual([
      ["b", [1]],
    ]);
    expect(rest!.nextCursor).toBeNull();
  });
});

describe("configs", () => {
  test("every topic config is described with its default, source and synonyms", async () => {
    const b = await startTestBroker({ retention_ms: 3_600_000 });
    await create(b, "t", 1, [{ name: "segment.bytes", value: "1048576" }]);
    const r = await describeTopic(b, "t");
    const byName = new Map(r.configs.map((c) => [c.name, c]));
    expect(byName.get("segment.bytes")).toMatchObject({ value: "1048576", configSource: 1 });
    expect(byName.get("retention.ms")).toMatchObject({ value: "3600000", configSource: 4 });
    expect(byName.get("retention.ms")!.synonyms.map((s) => [s.name, s.source])).toEqual([
      ["log.retention.ms", 4],
      ["log.retention.ms", 5],
    ]);
    expect(byName.get("cleanup.policy")).toMatchObject({ value: "delete", configSource: 5 });
    expect(byName.size).toBeGreaterThan(20);
  });

  test("IncrementalAlterConfigs SET, DELETE, APPEND and SUBTRACT", async () => {
    const b = await startTestBroker();
    await create(b, "t", 1, [{ name: "retention.ms", value: "5000" }]);
    const alter = (configs: { name: string; configOperation: number; value: string | null }[]) =>
      b.call(ApiKey.IncrementalAlterConfigs, 1, {
        resources: [{ resourceType: 2, resourceName: "t", configs }],
        validateOnly: false,
      });
    expect(
      (await alter([{ name: "cleanup.policy", configOperation: 2, value: "compact" }]))!
        .responses[0]!.errorCode,
    ).toBe(0);
    expect((await describeTopic(b, "t", ["cleanup.policy"])).configs[0]!.value).toBe(
      "delete,compact",
    );
    await alter([{ name: "cleanup.policy", configOperation: 3, value: "delete" }]);
    expect((await describeTopic(b, "t", ["cleanup.policy"])).configs[0]!.value).toBe("compact");
    await alter([
      { name: "retention.ms", configOperation: 1, value: null },
      { name: "segment.ms", configOperation: 0, value: "60000" },
    ]);
    const after = await describeTopic(b, "t", ["retention.ms", "segment.ms"]);
    expect(after.configs.map((c) => [c.name, c.value, c.configSource])).toEqual([
      ["retention.ms", "604800000", 5],
      ["segment.ms", "60000", 1],
    ]);
    const bad = await alter([{ name: "retention.ms", configOperation: 2, value: "1" }]);
    expect(bad!.responses[0]!.errorCode).toBe(ErrorCode.INVALID_CONFIG);
  });

  test("AlterConfigs replaces the whole override set; broker configs are static", async () => {
    const b = await startTestBroker();
    await create(b, "t", 1, [{ name: "retention.ms", value: "5000" }]);
    const r = await b.call(ApiKey.AlterConfigs, 2, {
      resources: [
        { resourceType: 2, resourceName: "t", configs: [{ name: "segment.ms", value: "70000" }] },
      ],
      validateOnly: false,
    });
    expect(r!.responses[0]!.errorCode).toBe(ErrorCode.NONE);
    expect(b.core.topic("t")!.meta.configs).toEqual({ "segment.ms": "70000" });
    const broker = await b.call(ApiKey.AlterConfigs, 2, {
      resources: [
        { resourceType: 4, resourceName: "1", configs: [{ name: "num.partitions", value: "3" }] },
      ],
      validateOnly: false,
    });
    expect(broker!.responses[0]!.errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });

  test("broker configs are described under Kafka's names", async () => {
    const b = await startTestBroker({ num_partitions: 6 });
    const r = await b.call(ApiKey.DescribeConfigs, 4, {
      resources: [
        {
          resourceType: 4,
          resourceName: "1",
          configurationKeys: ["num.partitions", "message.max.bytes"],
        },
      ],
    });
    expect(
      r!.results[0]!.configs.map((c) => [c.name, c.value, c.configSource, c.readOnly]),
    ).toEqual([
      ["num.partitions", "6", 4, true],
      ["message.max.bytes", "1048588", 5, true],
    ]);
  });
});

describe("offsets", () => {
  test("ListOffsets: earliest, latest, by timestamp (KIP-79) and max timestamp (KIP-734)", async () => {
    const b = await startTestBroker();
    await create(b, "t");
    await produceAt(b, "t", [TS, TS + 10, TS + 20]);
    await produceAt(b, "t", [TS + 100, TS + 50]);
    expect((await listOffset(b, "t", -2)).offset).toBe(0n);
    expect((await listOffset(b, "t", -1)).offset).toBe(5n);
    expect(await listOffset(b, "t", TS + 15)).toMatchObject({
      offset: 2n,
      timestamp: BigInt(TS + 20),
    });
    expect((await listOffset(b, "t", TS + 1000)).offset).toBe(-1n);
    expect(await listOffset(b, "t", -3)).toMatchObject({ offset: 3n, timestamp: BigInt(TS + 100) });
    const v0 = await b.call(ApiKey.ListOffsets, 0, {
      replicaId: -1,
      topics: [
        { name: "t", partitions: [{ partitionIndex: 0, timestamp: -1n, maxNumOffsets: 1 }] },
      ],
    });
    expect(v0!.topics[0]!.partitions[0]!.oldStyleOffsets).toEqual([5n]);
  });

  test("DeleteRecords moves the log start; fetches below it are out of range", async () => {
    const b = await startTestBroker();
    await create(b, "t");
    await produceAt(b, "t", [TS]);
    await produceAt(b, "t", [TS + 1]);
    const r = await b.call(ApiKey.DeleteRecords, 2, {
      topics: [{ name: "t", partitions: [{ partitionIndex: 0, offset: 1n }] }],
      timeoutMs: 1000,
    });
    expect(r!.topics[0]!.partitions[0]).toMatchObject({ errorCode: 0, lowWatermark: 1n });
    expect((await listOffset(b, "t", -2)).offset).toBe(1n);
    const past = await b.call(ApiKey.DeleteRecords, 2, {
      topics: [{ name: "t", partitions: [{ partitionIndex: 0, offset: 9n }] }],
      timeoutMs: 1000,
    });
    expect(past!.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
  });

  test("OffsetForLeaderEpoch answers the log end for the current epoch", async () => {
    const b = await startTestBroker();
    await create(b, "t");
    await produceAt(b, "t", [TS, TS]);
    const r = await b.call(ApiKey.OffsetForLeaderEpoch, 4, {
      replicaId: -1,
      topics: [
        { topic: "t", partitions: [{ partition: 0, currentLeaderEpoch: 0, leaderEpoch: 0 }] },
      ],
    });
    expect(r!.topics[0]!.partitions[0]).toMatchObject({
      errorCode: 0,
      leaderEpoch: 0,
      endOffset: 2n,
    });
  });

  test("DescribeCluster and DescribeLogDirs describe this one node", async () => {
    const b = await startTestBroker();
    await create(b, "t");
    await produceAt(b, "t", [TS]);
    const cluster = await b.call(ApiKey.DescribeCluster, 1, { endpointType: 1 });
    expect(cluster!.brokers).toEqual([
      { brokerId: 1, host: "localhost", port: 9092, rack: null },
    ] as never);
    const dirs = await b.call(ApiKey.DescribeLogDirs, 4, { topics: null });
    expect(Number(dirs!.results[0]!.topics[0]!.partitions[0]!.partitionSize)).toBeGreaterThan(0);
  });
});
