/**
 * Transactions with kafkajs 2.2.4 against a real broker process: committed and aborted
 * transactions as read_committed and read_uncommitted consumers see them, zombie fencing,
 * and a broker killed (SIGKILL) in the middle of transactions: after the restart the last
 * stable offset is where the open transaction began, the open one times out and aborts,
 * and what was committed before the kill stays committed.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { Kafka, logLevel } from "kafkajs";
import { ApiKey } from "../../protocol/messages/generated/apis.ts";
import {
  type BrokerProcess,
  removeDir,
  startBrokerProcess,
  tempDataDir,
} from "../helpers/broker-process.ts";
import { request } from "../helpers/kafka-request.ts";
import { connectRaw } from "../helpers/raw-client.ts";

const brokers: BrokerProcess[] = [];
const dirs: string[] = [];

afterAll(async () => {
  for (const b of brokers) await b.kill().catch(() => {});
  for (const d of dirs) removeDir(d);
});

async function start(dataDir: string): Promise<BrokerProcess> {
  const b = await startBrokerProcess({
    dataDir,
    env: { DATACORE_GROUP_INITIAL_REBALANCE_DELAY_MS: "0" },
  });
  brokers.push(b);
  return b;
}

function client(b: BrokerProcess): Kafka {
  return new Kafka({
    brokers: [b.bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 3, initialRetryTime: 100 },
  });
}

/** Every value a consumer of `isolation` sees, after `idleMs` without news. */
async function consumeAll(
  b: BrokerProcess,
  topic: string,
  readUncommitted: boolean,
  idleMs = 2500,
): Promise<string[]> {
  const consumer = client(b).consumer({
    groupId: `reader-${topic}-${readUncommitted}-${Math.random()}`,
    readUncommitted,
    maxWaitTimeInMs: 200,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const values: string[] = [];
  let last = Date.now();
  await consumer.run({
    eachMessage: async ({ message }) => {
      values.push(message.value?.toString() ?? "");
      last = Date.now();
    },
  });
  const started = Date.now();
  while (Date.now() - last < idleMs || (values.length === 0 && Date.now() - started < 8000)) {
    await Bun.sleep(100);
  }
  await consumer.disconnect();
  return values;
}

async function latestOffset(
  b: BrokerProcess,
  topic: string,
  isolationLevel: number,
): Promise<number> {
  const raw = await connectRaw(b.port);
  try {
    const r = await request(raw, ApiKey.ListOffsets, 5, {
      replicaId: -1,
      isolationLevel,
      topics: [
        {
          name: topic,
          partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }],
        },
      ],
    });
    return Number(r.topics[0]!.partitions[0]!.offset);
  } finally {
    raw.end();
  }
}

async function txnState(b: BrokerProcess, id: string): Promise<string> {
  const raw = await connectRaw(b.port);
  try {
    const r = await request(raw, ApiKey.DescribeTransactions, 0, { transactionalIds: [id] });
    return r.transactionStates[0]!.transactionState;
  } finally {
    raw.end();
  }
}

describe("kafkajs transactions", () => {
  test("commit and abort: read_committed sees only committed records, read_uncommitted all, control records skipped", async () => {
    const dir = tempDataDir();
    dirs.push(dir);
    const b = await start(dir);
    const kafka = client(b);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "kjs-txn", numPartitions: 2 }] });
    await admin.disconnect();
    const producer = kafka.producer({
      transactionalId: "kjs-basic",
      maxInFlightRequests: 1,
      idempotent: true,
    });
    await producer.connect();
    for (const [name, commit] of [
      ["c1", true],
      ["a1", false],
      ["c2", true],
    ] as const) {
      const txn = await producer.transaction();
      await txn.send({
        topic: "kjs-txn",
        messages: Array.from({ length: 20 }, (_, i) => ({
          value: `${name}-${i}`,
          partition: i % 2,
        })),
      });
      if (commit) await txn.commit();
      else await txn.abort();
    }
    await producer.disconnect();
    const committed = await consumeAll(b, "kjs-txn", false);
    const all = await consumeAll(b, "kjs-txn", true);
    const names = (vs: string[]) => [...new Set(vs.map((v) => v.split("-")[0]))].sort();
    expect(committed.length).toBe(40);
    expect(names(committed)).toEqual(["c1", "c2"]);
    expect(all.length).toBe(60);
    expect(names(all)).toEqual(["a1", "c1", "c2"]);
  }, 60_000);

  test("a second producer with the same transactionalId fences the first: its commit fails", async () => {
    const b = brokers[0]!;
    const kafka = client(b);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "kjs-fence", numPartitions: 1 }] });
    await admin.disconnect();
    const old = kafka.producer({
      transactionalId: "kjs-fence",
      maxInFlightRequests: 1,
      idempotent: true,
    });
    await old.connect();
    const zombieTxn = await old.transaction();
    await zombieTxn.send({ topic: "kjs-fence", messages: [{ value: "zombie" }] });
    const fresh = kafka.producer({
      transactionalId: "kjs-fence",
      maxInFlightRequests: 1,
      idempotent: true,
    });
    await fresh.connect();
    // kafkajs sends the transactional InitProducerId when the first transaction begins.
    const live = await fresh.transaction();
    const err = await zombieTxn.commit().then(
      () => null,
      (e: { type?: string; name?: string }) => e,
    );
    expect(err).not.toBeNull();
    expect(["PRODUCER_FENCED", "INVALID_PRODUCER_EPOCH"]).toContain(err!.type ?? "");
    await live.send({ topic: "kjs-fence", messages: [{ value: "live" }] });
    await live.commit();
    await old.disconnect().catch(() => {});
    await fresh.disconnect();
    expect(await consumeAll(b, "kjs-fence", false)).toEqual(["live"]);
  }, 60_000);

  test("sendOffsets: offsets committed in a transaction become the group's at commit; an aborted transaction's never do", async () => {
    const b = brokers[0]!;
    const kafka = client(b);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "kjs-offsets-in", numPartitions: 1 }] });
    const producer = kafka.producer({
      transactionalId: "kjs-offsets",
      maxInFlightRequests: 1,
      idempotent: true,
    });
    await producer.connect();
    const committed = async () =>
      (await admin.fetchOffsets({ groupId: "kjs-eos", topics: ["kjs-offsets-in"] }))[0]!
        .partitions[0]!.offset;
    const commit = await producer.transaction();
    await commit.send({ topic: "kjs-fence", messages: [{ value: "with-offsets" }] });
    await commit.sendOffsets({
      consumerGroupId: "kjs-eos",
      topics: [{ topic: "kjs-offsets-in", partitions: [{ partition: 0, offset: "5" }] }],
    });
    await commit.commit();
    expect(await committed()).toBe("5");
    const abort = await producer.transaction();
    await abort.sendOffsets({
      consumerGroupId: "kjs-eos",
      topics: [{ topic: "kjs-offsets-in", partitions: [{ partition: 0, offset: "9" }] }],
    });
    await abort.abort();
    expect(await committed()).toBe("5");
    await producer.disconnect();
    await admin.disconnect();
  }, 60_000);

  test("SIGKILL mid-transaction: after restart the LSO is where the open transaction began; it times out and aborts; committed work survives", async () => {
    const dir = tempDataDir();
    dirs.push(dir);
    const first = await start(dir);
    let kafka = client(first);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "kjs-restart", numPartitions: 1 }] });
    await admin.disconnect();
    const plain = kafka.producer();
    await plain.connect();
    await plain.send({
      topic: "kjs-restart",
      messages: [{ value: "p0" }, { value: "p1" }, { value: "p2" }],
    });
    await plain.disconnect();
    const committer = kafka.producer({
      transactionalId: "kjs-done",
      maxInFlightRequests: 1,
      idempotent: true,
    });
    await committer.connect();
    const done = await committer.transaction();
    await done.send({ topic: "kjs-restart", messages: [{ value: "c0" }, { value: "c1" }] });
    await done.commit(); // offsets 3-4, marker 5
    const dropped = await committer.transaction();
    await dropped.send({ topic: "kjs-restart", messages: [{ value: "x0" }, { value: "x1" }] });
    await dropped.abort(); // offsets 6-7, marker 8: in the aborted-transaction index
    const holder = kafka.producer({
      transactionalId: "kjs-open",
      maxInFlightRequests: 1,
      idempotent: true,
      transactionTimeout: 6000,
    });
    await holder.connect();
    const open = await holder.transaction();
    await open.send({
      topic: "kjs-restart",
      messages: [{ value: "o0" }, { value: "o1" }, { value: "o2" }],
    }); // 9-11
    expect(await latestOffset(first, "kjs-restart", 1)).toBe(9);
    expect(await latestOffset(first, "kjs-restart", 0)).toBe(12);
    await first.kill();
    await committer.disconnect().catch(() => {});
    await holder.disconnect().catch(() => {});

    const second = await start(dir);
    // Right after the restart: the open transaction holds the LSO, the coordinator knows it.
    expect(await latestOffset(second, "kjs-restart", 1)).toBe(9);
    expect(await latestOffset(second, "kjs-restart", 0)).toBe(12);
    expect(await txnState(second, "kjs-open")).toBe("Ongoing");
    expect(await txnState(second, "kjs-done")).toBe("CompleteAbort"); // its last transaction
    const deadline = Date.now() + 20_000;
    while ((await txnState(second, "kjs-open")) !== "CompleteAbort" && Date.now() < deadline) {
      await Bun.sleep(200);
    }
    expect(await txnState(second, "kjs-open")).toBe("CompleteAbort");
    expect(await latestOffset(second, "kjs-restart", 1)).toBe(13);
    kafka = client(second);
    expect(await consumeAll(second, "kjs-restart", false)).toEqual(["p0", "p1", "p2", "c0", "c1"]);
    expect((await consumeAll(second, "kjs-restart", true)).length).toBe(10);
  }, 90_000);
});
