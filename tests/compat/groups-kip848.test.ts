/**
 * The KIP-848 consumer protocol with a real client: @platformatic/kafka 1.35 with
 * `groupProtocol: "consumer"` (ConsumerGroupHeartbeat v1; librdkafka 2.0.2 predates it).
 * The server assigns partitions; members converge through incremental revocation.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { Admin, Consumer, type MessagesStream, Producer } from "@platformatic/kafka";
import { ApiKey } from "../../protocol/messages/generated/apis.ts";
import { type BrokerProcess, removeDir, startBrokerProcess } from "../helpers/broker-process.ts";
import { request } from "../helpers/kafka-request.ts";
import { connectRaw } from "../helpers/raw-client.ts";
import {
  consumedValues,
  coversExactly,
  explain,
  type MemberProcess,
  spawnMember,
  waitFor,
} from "../integration/groups/members.ts";

const BUN = join(import.meta.dir, "../../node_modules/.bin/bun");
const MEMBER = join(import.meta.dir, "../integration/groups/platformatic-member.ts");

let broker: BrokerProcess;

beforeAll(async () => {
  broker = await startBrokerProcess({
    env: {
      DATACORE_GROUP_CONSUMER_HEARTBEAT_INTERVAL_MS: "500",
      DATACORE_GROUP_CONSUMER_SESSION_TIMEOUT_MS: "3000",
    },
  });
});

afterAll(async () => {
  await broker?.stop();
  if (broker) removeDir(broker.dataDir);
});

interface Member {
  consumer: Consumer;
  stream: MessagesStream<Buffer, Buffer, Buffer, Buffer>;
  seen: Set<string>;
  partitions(): number[];
}

const streamErrors: string[] = [];

async function startMember(name: string, group: string, topic: string): Promise<Member> {
  const consumer = new Consumer({
    clientId: name,
    groupId: group,
    bootstrapBrokers: [broker.bootstrap],
    groupProtocol: "consumer",
    rebalanceTimeout: 60_000,
  });
  const seen = new Set<string>();
  const stream = await consumer.consume({
    topics: [topic],
    mode: "committed",
    fallbackMode: "earliest",
    autocommit: 100,
    maxWaitTime: 200,
  });
  stream.on("data", (m) => seen.add(m.value.toString()));
  // An unhandled stream error would surface as an uncaught exception attributed to
  // whichever test runs at that moment; record it with the member's name instead.
  stream.on("error", (err: Error) => {
    if (!consumer.closed) streamErrors.push(`${name}: ${err.message}`);
  });
  return {
    consumer,
    stream,
    seen,
    partitions: () =>
      (consumer.assignments ?? [])
        .flatMap((a) => (a.topic === topic ? a.partitions : []))
        .sort((x, y) => x - y),
  };
}

async function produce(topic: string, values: string[]): Promise<void> {
  const producer = new Producer({
    clientId: "kip848-producer",
    bootstrapBrokers: [broker.bootstrap],
  });
  await producer.send({
    messages: values.map((v) => ({ topic, key: Buffer.from(v), value: Buffer.from(v) })),
  });
  await producer.close();
}

function covers(members: Member[], n: number): boolean {
  const all = members.flatMap((m) => m.partitions());
  return all.length === n && new Set(all).size === n;
}

describe("KIP-848 consumer protocol (@platformatic/kafka)", () => {
  test("three members share six partitions; one leaves, one joins; no partition is ever owned twice; every message is read", async () => {
    const admin = new Admin({ clientId: "kip848-admin", bootstrapBrokers: [broker.bootstrap] });
    await admin.createTopics({ topics: ["kip-orders"], partitions: 6, replicas: 1 });
    await admin.close();
    await produce(
      "kip-orders",
      Array.from({ length: 120 }, (_, i) => `a-${i}`),
    );
    const members = [
      await startMember("m1", "kip-g", "kip-orders"),
      await startMember("m2", "kip-g", "kip-orders"),
      await startMember("m3", "kip-g", "kip-orders"),
    ];
    let overlaps = 0;
    const watch = setInterval(() => {
      const all = members.flatMap((m) => m.partitions());
      if (new Set(all).size !== all.length) overlaps++;
    }, 5);
    try {
      await waitFor(
        "3 members covering 6 partitions",
        () => covers(members, 6) && members.every((m) => m.partitions().length === 2),
        30_000,
      );
      const raw = await connectRaw(broker.port);
      const described = await request(raw, ApiKey.ConsumerGroupDescribe, 0, {
        groupIds: ["kip-g"],
      });
      const g = described.groups[0]!;
      expect(g.errorCode).toBe(0);
      expect(g.groupState).toBe("Stable");
      expect(g.members).toHaveLength(3);
      expect(
        g.members.every((m) => m.assignment.topicPartitions[0]?.topicName === "kip-orders"),
      ).toBe(true);
      const listed = await request(raw, ApiKey.ListGroups, 5, { typesFilter: ["consumer"] });
      expect(listed.groups.map((x) => [x.groupId, x.groupType, x.groupState])).toEqual([
        ["kip-g", "consumer", "Stable"],
      ]);
      raw.end();

      const leaving = members.shift()!;
      await leaving.consumer.close(true);
      await waitFor("2 members covering 6 partitions", () => covers(members, 6), 20_000);
      members.push(await startMember("m4", "kip-g", "kip-orders"));
      await waitFor(
        "3 members again",
        () => covers(members, 6) && members.every((m) => m.partitions().length === 2),
        30_000,
      );
      await produce(
        "kip-orders",
        Array.from({ length: 120 }, (_, i) => `b-${i}`),
      );
      const everyone = () => new Set([...leaving.seen, ...members.flatMap((m) => [...m.seen])]);
      await waitFor("all 240 messages", () => everyone().size === 240, 30_000);
      expect(overlaps).toBe(0);
      expect(streamErrors).toEqual([]);
    } finally {
      clearInterval(watch);
      for (const m of members) await m.consumer.close(true);
    }
  }, 120_000);

  test("a killed member is fenced after the session timeout and its partitions go to the survivor", async () => {
    const admin = new Admin({ clientId: "kip848-admin2", bootstrapBrokers: [broker.bootstrap] });
    await admin.createTopics({ topics: ["kip-kill"], partitions: 4, replicas: 1 });
    await admin.close();
    await produce(
      "kip-kill",
      Array.from({ length: 80 }, (_, i) => `k-${i}`),
    );
    const a = spawnMember("a", [BUN, MEMBER, broker.bootstrap, "kip-kill-g", "kip-kill"]);
    const b = spawnMember("b", [BUN, MEMBER, broker.bootstrap, "kip-kill-g", "kip-kill"]);
    const all: MemberProcess[] = [a, b];
    try {
      await waitFor(
        "2 members covering 4 partitions",
        () => coversExactly(all, 4) && (a.assigned()?.length ?? 0) === 2,
        30_000,
      ).catch(explain(all));
      const killedAt = Date.now();
      await a.kill();
      await waitFor("the survivor owns all 4", () => b.assigned()?.length === 4, 20_000).catch(
        explain(all),
      );
      // Session timeout 3 s plus at most a heartbeat interval or two.
      expect(Date.now() - killedAt).toBeLessThan(8_000);
      expect(Date.now() - killedAt).toBeGreaterThan(2_500);
      await produce(
        "kip-kill",
        Array.from({ length: 40 }, (_, i) => `l-${i}`),
      );
      await waitFor("every message read", () => consumedValues(all).size === 120, 30_000);
    } finally {
      await a.kill();
      await b.stop();
    }
  }, 120_000);
});
