/**
 * librdkafka (confluent-kafka-python 1.7 / librdkafka 2.0.2) consumer groups against a
 * real broker process: members are separate processes (python/group_member.py) that the
 * test can SIGKILL. Covers eager rebalancing with JoinGroup/SyncGroup, commits, session
 * expiry, and KIP-345 static membership.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { type BrokerProcess, removeDir, startBrokerProcess } from "../helpers/broker-process.ts";
import {
  consumedValues,
  coversExactly,
  explain,
  type MemberProcess,
  spawnMember,
  waitFor,
} from "../integration/groups/members.ts";

const PYTHON = "/usr/bin/python3";
const SCRIPT = join(import.meta.dir, "python/group_member.py");

let broker: BrokerProcess;
const members: MemberProcess[] = [];

beforeAll(async () => {
  broker = await startBrokerProcess({
    env: {
      DATACORE_GROUP_MIN_SESSION_TIMEOUT_MS: "1000",
      DATACORE_GROUP_INITIAL_REBALANCE_DELAY_MS: "0",
    },
  });
});

afterAll(async () => {
  for (const m of members) await m.kill();
  await broker?.stop();
  if (broker) removeDir(broker.dataDir);
});

function member(
  name: string,
  group: string,
  topic: string,
  instanceId?: string,
  strategy?: string,
): MemberProcess {
  const m = spawnMember(
    name,
    [PYTHON, SCRIPT, broker.bootstrap, group, topic, ...(instanceId ? [instanceId] : [])],
    strategy ? { GROUP_STRATEGY: strategy } : {},
  );
  members.push(m);
  return m;
}

async function setupTopic(topic: string, partitions: number, values: string[]): Promise<void> {
  const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }] });
  await admin.disconnect();
  await produce(topic, values);
}

async function produce(topic: string, values: string[]): Promise<void> {
  const producer = new Kafka({
    brokers: [broker.bootstrap],
    logLevel: logLevel.NOTHING,
  }).producer();
  await producer.connect();
  for (let i = 0; i < values.length; i += 50) {
    await producer.send({
      topic,
      messages: values.slice(i, i + 50).map((v) => ({ key: v, value: v })),
    });
  }
  await producer.disconnect();
}

describe("librdkafka groups", () => {
  test("3 members split 6 partitions; a 4th joins and one is killed; the partitions move within the session timeout; every message is processed", async () => {
    await setupTopic(
      "rk-orders",
      6,
      Array.from({ length: 300 }, (_, i) => `first-${i}`),
    );
    const group = [
      member("a", "rk-g", "rk-orders"),
      member("b", "rk-g", "rk-orders"),
      member("c", "rk-g", "rk-orders"),
    ];
    await waitFor(
      "3 members covering 6 partitions",
      () => coversExactly(group, 6) && group.every((m) => m.assigned()?.length === 2),
    ).catch(explain(group));
    group.push(member("d", "rk-g", "rk-orders"));
    await waitFor(
      "4 members covering 6 partitions",
      () => coversExactly(group, 6) && (group[3]!.assigned()?.length ?? 0) > 0,
    ).catch(explain(group));
    const victim = group.shift()!;
    const killedAt = Date.now();
    await victim.kill();
    await waitFor(
      "3 survivors covering 6 partitions",
      () => coversExactly(group, 6) && group.every((m) => (m.assigned()?.length ?? 0) === 2),
      20_000,
    ).catch(explain(group));
    expect(Date.now() - killedAt).toBeLessThan(12_000); // 6 s session + the rebalance
    await produce(
      "rk-orders",
      Array.from({ length: 300 }, (_, i) => `second-${i}`),
    );
    await waitFor(
      "every message consumed at least once",
      () => consumedValues([victim, ...group]).size === 600,
      30_000,
    );
    for (const m of group) await m.stop();
  }, 120_000);

  test("KIP-345: a static member killed and restarted with the same group.instance.id gets its partitions back without a rebalance", async () => {
    await setupTopic(
      "rk-static",
      4,
      Array.from({ length: 40 }, (_, i) => `s-${i}`),
    );
    const a = member("a", "rk-static-g", "rk-static", "instance-a");
    const b = member("b", "rk-static-g", "rk-static", "instance-b");
    await waitFor(
      "both static members assigned",
      () => coversExactly([a, b], 4) && (a.assigned()?.length ?? 0) === 2,
    ).catch(explain([a, b]));
    await waitFor("all messages", () => consumedValues([a, b]).size === 40);
    const before = a.assigned();
    const bAssignments = b.assignments();
    await a.kill();
    const a2 = member("a2", "rk-static-g", "rk-static", "instance-a");
    await waitFor("restarted member assigned", () => a2.assigned() !== null, 20_000).catch(
      explain([a2, b]),
    );
    expect(a2.assigned()).toEqual(before);
    await produce(
      "rk-static",
      Array.from({ length: 20 }, (_, i) => `t-${i}`),
    );
    await waitFor(
      "the 20 new messages",
      () => [...consumedValues([a2, b])].filter((v) => v.startsWith("t-")).length === 20,
    );
    await Bun.sleep(1500);
    // b never went through another rebalance: no new assignment since a was killed.
    expect(b.assignments()).toBe(bAssignments);
    await a2.stop();
    await b.stop();
  }, 120_000);

  test("cooperative-sticky (KIP-429) over the classic protocol: members join and die, partitions never have two owners, every message is read", async () => {
    await setupTopic(
      "rk-coop",
      6,
      Array.from({ length: 120 }, (_, i) => `c-${i}`),
    );
    const coop = (name: string) =>
      member(name, "rk-coop-g", "rk-coop", undefined, "cooperative-sticky");
    const group = [coop("a"), coop("b")];
    let overlaps = 0;
    const watch = setInterval(() => {
      const all = group.flatMap((m) => m.assigned() ?? []);
      if (new Set(all).size !== all.length) overlaps++;
    }, 5);
    try {
      await waitFor(
        "2 members covering 6",
        () => coversExactly(group, 6) && group.every((m) => m.assigned()?.length === 3),
        30_000,
      ).catch(explain(group));
      group.push(coop("c"));
      await waitFor(
        "3 members covering 6",
        () => coversExactly(group, 6) && group.every((m) => m.assigned()?.length === 2),
        30_000,
      ).catch(explain(group));
      const victim = group.shift()!;
      await victim.kill();
      await waitFor("2 survivors covering 6", () => coversExactly(group, 6), 30_000).catch(
        explain(group),
      );
      await produce(
        "rk-coop",
        Array.from({ length: 60 }, (_, i) => `d-${i}`),
      );
      await waitFor("every message", () => consumedValues([victim, ...group]).size === 180, 30_000);
      // Only a live member's view counts: the killed one's last lines are stale.
      expect(overlaps).toBe(0);
    } finally {
      clearInterval(watch);
      for (const m of group) await m.stop();
    }
  }, 120_000);

  test("committed offsets resume exactly after a broker restart", async () => {
    await setupTopic(
      "rk-resume",
      3,
      Array.from({ length: 60 }, (_, i) => `before-${i}`),
    );
    const m1 = member("r1", "rk-resume-g", "rk-resume");
    await waitFor("60 messages", () => consumedValues([m1]).size === 60);
    await m1.stop();
    const dataDir = broker.dataDir;
    expect(await broker.stop()).toBe(0);
    broker = await startBrokerProcess({ dataDir });
    await produce(
      "rk-resume",
      Array.from({ length: 30 }, (_, i) => `after-${i}`),
    );
    const m2 = member("r2", "rk-resume-g", "rk-resume");
    await waitFor("30 new messages", () => consumedValues([m2]).size === 30).catch(explain([m2]));
    await Bun.sleep(500);
    const seen = [...consumedValues([m2])];
    expect(seen).toHaveLength(30);
    expect(seen.every((v) => v.startsWith("after-"))).toBe(true);
    await m2.stop();
  }, 120_000);
});
