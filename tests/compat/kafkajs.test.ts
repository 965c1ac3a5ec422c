/**
 * kafkajs against a real broker process: topic admin (create with configs, describe
 * configs, add partitions, delete), an idempotent producer, and offset lookups by time.
 * kafkajs consumers only work in groups, which the broker does not serve yet, so what the
 * producer wrote is read back with kcat instead.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ConfigResourceTypes, Kafka, logLevel } from "kafkajs";
import { type BrokerProcess, removeDir, startBrokerProcess } from "../helpers/broker-process.ts";

let broker: BrokerProcess;
let kafka: Kafka;

beforeAll(async () => {
  broker = await startBrokerProcess();
  kafka = new Kafka({
    clientId: "kafkajs-compat",
    brokers: [broker.bootstrap],
    logLevel: logLevel.NOTHING,
  });
});

afterAll(async () => {
  await broker?.stop();
  if (broker) removeDir(broker.dataDir);
});

const BASE_TS = 1_700_000_000_000;

describe("kafkajs", () => {
  test("admin: create with configs, describe them, add partitions, list, delete", async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      expect(
        await admin.createTopics({
          topics: [
            {
              topic: "js-admin",
              numPartitions: 2,
              configEntries: [{ name: "cleanup.policy", value: "compact" }],
            },
          ],
        }),
      ).toBe(true);
      const described = await admin.describeConfigs({
        resources: [{ type: ConfigResourceTypes.TOPIC, name: "js-admin" }],
        includeSynonyms: false,
      });
      const entries = described.resources[0]!.configEntries;
      expect(entries.find((e) => e.configName === "cleanup.policy")?.configValue).toBe("compact");
      expect(entries.find((e) => e.configName === "retention.ms")?.isDefault).toBe(true);
      await admin.createPartitions({ topicPartitions: [{ topic: "js-admin", count: 4 }] });
      const meta = await admin.fetchTopicMetadata({ topics: ["js-admin"] });
      expect(meta.topics[0]!.partitions.length).toBe(4);
      await admin.deleteTopics({ topics: ["js-admin"] });
      expect(await admin.listTopics()).not.toContain("js-admin");
    } finally {
      await admin.disconnect();
    }
  }, 60_000);

  test("an idempotent producer's messages are all there, in order, with offsets by time", async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "js-data", numPartitions: 1 }] });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const sent = [];
    for (let b = 0; b < 10; b++) {
      const result = await producer.send({
        topic: "js-data",
        acks: -1,
        messages: Array.from({ length: 100 }, (_, i) => {
          const n = b * 100 + i;
          return {
            key: `k${n}`,
            value: `v${n}`,
            headers: { n: String(n) },
            timestamp: String(BASE_TS + n),
          };
        }),
      });
      sent.push(result[0]!.baseOffset);
    }
    await producer.disconnect();
    expect(sent).toEqual(Array.from({ length: 10 }, (_, b) => String(b * 100)));
    const offsets = await admin.fetchTopicOffsets("js-data");
    expect(offsets[0]).toMatchObject({ partition: 0, low: "0", high: "1000" });
    const byTime = await admin.fetchTopicOffsetsByTimestamp("js-data", BASE_TS + 250);
    expect(byTime[0]).toMatchObject({ partition: 0, offset: "250" });
    await admin.disconnect();
    const kcat = Bun.spawn(
      [
        "/usr/bin/kcat",
        "-b",
        broker.bootstrap,
        "-C",
        "-t",
        "js-data",
        "-o",
        "beginning",
        "-e",
        "-f",
        "%k=%s %h\n",
      ],
      { stdout: "pipe", stderr: "pipe" },
    );
    const out = await new Response(kcat.stdout).text();
    const lines = out.split("\n").filter(Boolean);
    expect(lines.length).toBe(1000);
    expect(lines[0]).toBe("k0=v0 n=0");
    expect(lines[999]).toBe("k999=v999 n=999");
  }, 60_000);
});
