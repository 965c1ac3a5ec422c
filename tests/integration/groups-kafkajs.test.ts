/**
 * kafkajs consumer groups against a real broker process. Members run as separate
 * processes (groups/kafkajs-member.ts) so one can be SIGKILLed like a crashed consumer.
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
} from "./groups/members.ts";

const BUN = join(import.meta.dir, "../../node_modules/.bin/bun");
const MEMBER = join(import.meta.dir, "groups/kafkajs-member.ts");
const ENV = {
  DATACORE_GROUP_MIN_SESSION_TIMEOUT_MS: "1000",
  DATACORE_GROUP_INITIAL_REBALANCE_DELAY_MS: "0",
};

let broker: BrokerProcess;
const members: MemberProcess[] = [];

beforeAll(async () => {
  broker = await startBrokerProcess({ env: ENV });
});

afterAll(async () => {
  for (const m of members) await m.kill();
  await broker?.stop();
  if (broker) removeDir(broker.dataDir);
});

function member(name: string, group: string, topic: string): MemberProcess {
  const m = spawnMember(name, [BUN, MEMBER, broker.bootstrap, group, topic]);
  members.push(m);
  return m;
}

async function produce(bootstrap: string, topic: string, values: string[]): Promise<void> {
  const kafka = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  for (let i = 0; i < values.length; i += 50) {
    await producer.send({
      topic,
      messages: values.slice(i, i + 50).map((v) => ({ key: v, value: v })),
    });
  }
  await producer.disconnect();
}

async function admin<T>(
  bootstrap: string,
  fn: (a: ReturnType<Kafka["admin"]>) => Promise<T>,
): Promise<T> {
  const a = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
  await a.connect();
  try {
    return await fn(a);
  } finally {
    await a.disconnect();
  }
}

describe("kafkajs groups", () => {
  test("3 members split 6 partitions; a 4th joins and one is killed; partitions move within the session timeout; every message is processed", async () => {
    await admin(broker.bootstrap, (a) =>
      a.createTopics({ topics: [{ topic: "orders", numPartitions: 6 }] }),
    );
    const first = Array.from({ length: 300 }, (_, i) => `first-${i}`);
    await produce(broker.bootstrap, "orders", first);
    const group = [
      member("a", "g-orders", "orders"),
      member("b", "g-orders", "orders"),
      member("c", "g-orders", "orders"),
    ];
    await waitFor(
      "3 members covering 6 partitions",
      () => coversExactly(group, 6) && group.every((m) => m.assigned()?.length === 2),
    );
    const d = member("d", "g-orders", "orders");
    group.push(d);
    await waitFor(
      "4 members covering 6 partitions",
      () => coversExactly(group, 6) && (d.assigned()?.length ?? 0) > 0,
    ).catch(explain(group, () => broker.output().slice(-3000)));
    const victim = group.shift()!;
    const killedAt = Date.now();
    await victim.kill();
    await waitFor("3 survivors covering 6 partitions", () => coversExactly(group, 6), 20_000).catch(
      explain(group, () => broker.output().slice(-3000)),
    );
    // Session timeout 4 s, plus the rebalance the survivors go through.
    expect(Date.now() - killedAt).toBeLessThan(10_000);
    const second = Array.from({ length: 300 }, (_, i) => `second-${i}`);
    await produce(broker.bootstrap, "orders", second);
    const everyone = [victim, ...group];
    await waitFor(
      "every message consumed at least once",
      () => consumedValues(everyone).size === 600,
      30_000,
    );
    for (const m of group) await m.stop();
  }, 120_000);

  test("committed offsets resume exactly after a broker restart", async () => {
    await admin(broker.bootstrap, (a) =>
      a.createTopics({ topics: [{ topic: "resume", numPartitions: 3 }] }),
    );
    await produce(
      broker.bootstrap,
      "resume",
      Array.from({ length: 90 }, (_, i) => `before-${i}`),
    );
    const m1 = member("r1", "g-resume", "resume");
    await waitFor("90 messages", () => consumedValues([m1]).size === 90);
    await m1.stop();
    const committed = await admin(broker.bootstrap, (a) =>
      a.fetchOffsets({ groupId: "g-resume", topics: ["resume"] }),
    );
    const total = committed[0]!.partitions.reduce((n, p) => n + Number(p.offset), 0);
    expect(total).toBe(90);

    const dataDir = broker.dataDir;
    expect(await broker.stop()).toBe(0);
    broker = await startBrokerProcess({ dataDir, env: ENV });
    const after = await admin(broker.bootstrap, (a) =>
      a.fetchOffsets({ groupId: "g-resume", topics: ["resume"] }),
    );
    expect(after).toEqual(committed);
    await produce(
      broker.bootstrap,
      "resume",
      Array.from({ length: 30 }, (_, i) => `after-${i}`),
    );
    const m2 = member("r2", "g-resume", "resume");
    await waitFor("30 new messages", () => consumedValues([m2]).size === 30);
    await Bun.sleep(500);
    const seen = [...consumedValues([m2])];
    expect(seen.every((v) => v.startsWith("after-"))).toBe(true);
    expect(seen).toHaveLength(30);
    await m2.stop();
    const groups = await admin(broker.bootstrap, (a) => a.listGroups());
    expect(groups.groups.map((g) => g.groupId).sort()).toEqual(["g-orders", "g-resume"]);
  }, 120_000);
});
