/**
 * @platformatic/kafka against a real broker process: admin (create with configs, describe
 * configs, add partitions, delete), an idempotent producer, ListOffsets by time, and
 * group-less consumption through its raw Fetch (v17, topic ids).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Admin, Consumer, Producer } from "@platformatic/kafka";
import { type BrokerProcess, removeDir, startBrokerProcess } from "../helpers/broker-process.ts";

let broker: BrokerProcess;
const BASE_TS = 1_700_000_000_000n;

beforeAll(async () => {
  broker = await startBrokerProcess();
});

afterAll(async () => {
  await broker?.stop();
  if (broker) removeDir(broker.dataDir);
});

describe("@platformatic/kafka", () => {
  test("admin: create with configs, describe configs, add partitions, delete", async () => {
    const admin = new Admin({ clientId: "plt-admin", bootstrapBrokers: [broker.bootstrap] });
    try {
      const created = await admin.createTopics({
        topics: ["plt-admin"],
        partitions: 2,
        replicas: 1,
        configs: [{ name: "retention.ms", value: "3600000" }],
      });
      expect(created[0]?.partitions).toBe(2);
      const described = await admin.describeConfigs({
        resources: [{ resourceType: 2, resourceName: "plt-admin" }],
      });
      const retention = described[0]!.configs.find((c) => c.name === "retention.ms");
      expect(retention?.value).toBe("3600000");
      await admin.createPartitions({ topics: [{ name: "plt-admin", count: 3 }] });
      const meta = await admin.metadata({ topics: ["plt-admin"], forceUpdate: true });
      expect(meta.topics.get("plt-admin")?.partitionsCount).toBe(3);
      await admin.deleteTopics({ topics: ["plt-admin"] });
      expect(await admin.listTopics()).not.toContain("plt-admin");
    } finally {
      await admin.close();
    }
  }, 60_000);

  test("idempotent produce, offsets by time, and a group-less fetch of what was written", async () => {
    const admin = new Admin({ clientId: "plt-admin2", bootstrapBrokers: [broker.bootstrap] });
    await admin.createTopics({ topics: ["plt-data"], partitions: 1, replicas: 1 });
    await admin.close();
    const producer = new Producer({
      clientId: "plt-producer",
      bootstrapBrokers: [broker.bootstrap],
      idempotent: true,
      acks: -1,
    });
    const result = await producer.send({
      messages: Array.from({ length: 500 }, (_, n) => ({
        topic: "plt-data",
        partition: 0,
        key: Buffer.from(`k${n}`),
        value: Buffer.from(`v${n}`),
        headers: new Map([[Buffer.from("n"), Buffer.from(String(n))]]),
        timestamp: BASE_TS + BigInt(n),
      })),
    });
    expect(result.offsets?.[0]?.offset).toBe(0n);
    await producer.close();

    const consumer = new Consumer({
      clientId: "plt-consumer",
      groupId: "unused",
      bootstrapBrokers: [broker.bootstrap],
    });
    try {
      const byTime = await consumer.listOffsets({
        topics: ["plt-data"],
        timestamp: BASE_TS + 123n,
      });
      expect(byTime.get("plt-data")).toEqual([123n]);
      const latest = await consumer.listOffsets({ topics: ["plt-data"] });
      expect(latest.get("plt-data")).toEqual([500n]);
      const meta = await consumer.metadata({ topics: ["plt-data"] });
      const seen: string[] = [];
      let offset = 0n;
      while (offset < 500n) {
        const response = await consumer.fetch({
          node: meta.brokers.keys().next().value!,
          topics: [
            {
              topicId: meta.topics.get("plt-data")!.id,
              partitions: [
                {
                  partition: 0,
                  currentLeaderEpoch: -1,
                  fetchOffset: offset,
                  lastFetchedEpoch: -1,
                  partitionMaxBytes: 4096,
                },
              ],
            },
          ],
          maxWaitTime: 100,
        });
        const partition = response.responses[0]!.partitions[0]!;
        expect(partition.errorCode).toBe(0);
        for (const batch of partition.records ?? []) {
          for (const record of batch.records) {
            const at = batch.firstOffset + BigInt(record.offsetDelta);
            if (at < offset) continue;
            seen.push(`${record.key}=${record.value}`);
          }
          offset = batch.firstOffset + BigInt(batch.lastOffsetDelta) + 1n;
        }
      }
      expect(seen.length).toBe(500);
      expect(seen[0]).toBe("k0=v0");
      expect(seen[499]).toBe("k499=v499");
    } finally {
      await consumer.close();
    }
  }, 60_000);
});
