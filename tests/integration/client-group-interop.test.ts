/**
 * The datacore client next to librdkafka on datacore's broker: a datacore consumer and a
 * librdkafka consumer share one group (whichever becomes leader, the other decodes its
 * ConsumerProtocol subscription and assignment bytes, and together they own every
 * partition exactly once); and transactions written by librdkafka read back with
 * read_committed (aborted records skipped) and read_uncommitted (all of them).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { KafkaClient } from "../../client/index.ts";
import { type RunningBroker, startBroker } from "../fixtures/datacore-broker.ts";
import { mockClusterAvailable } from "../fixtures/mock-cluster.ts";

const MEMBER = `${import.meta.dir}/../fixtures/librdkafka-member.py`;
const TXN_PRODUCER = `${import.meta.dir}/../fixtures/librdkafka-txn-producer.py`;

describe.if(mockClusterAvailable())("mixed group: datacore client + librdkafka", () => {
  let broker: RunningBroker;
  beforeAll(async () => {
    broker = await startBroker();
  });
  afterAll(async () => {
    await broker.stop();
  });

  for (const strategy of ["range", "roundrobin"] as const) {
    test(`${strategy}: both members get two of four partitions`, async () => {
      const kafka = new KafkaClient({ brokers: broker.bootstrap });
      const topic = `mixed-${strategy}`;
      await kafka.admin().createTopics([{ name: topic, partitions: 4 }]);
      const proc = Bun.spawn(
        ["/usr/bin/python3", MEMBER, broker.bootstrap, `g-${strategy}`, topic, strategy],
        {
          stdin: "pipe",
          stdout: "pipe",
          stderr: "ignore",
        },
      );
      const reader = proc.stdout.getReader();
      let text = "";
      const theirs = async (): Promise<string[]> => {
        for (;;) {
          const lines = text.split("\n").filter((l) => l.startsWith("ASSIGNED"));
          const last = lines.at(-1);
          if (last !== undefined && last.split(" ")[1]?.split(",").filter(Boolean).length === 2) {
            return last.split(" ")[1]!.split(",");
          }
          const { value, done } = await reader.read();
          if (done) throw new Error(`librdkafka member exited: ${text}`);
          text += new TextDecoder().decode(value);
        }
      };
      try {
        const consumer = kafka.consumer({
          groupId: `g-${strategy}`,
          assignors: [strategy],
          sessionTimeoutMs: 6000,
          heartbeatIntervalMs: 300,
        });
        consumer.subscribe([topic]);
        const theirsPromise = theirs();
        const deadline = Date.now() + 30_000;
        while (consumer.assignment().length !== 2 && Date.now() < deadline)
          await consumer.poll(200);
        const mine = consumer.assignment().map((tp) => `${tp.topic}:${tp.partition}`);
        const other = await theirsPromise;
        expect(mine.length).toBe(2);
        expect([...mine, ...other].sort()).toEqual([0, 1, 2, 3].map((p) => `${topic}:${p}`));
        await consumer.close();
      } finally {
        reader.releaseLock();
        proc.stdin.end();
        await proc.exited;
        await kafka.close();
      }
    }, 60_000);
  }

  test("transactions from librdkafka: read_committed skips the aborted one", async () => {
    const kafka = new KafkaClient({ brokers: broker.bootstrap });
    try {
      await kafka.admin().createTopics([{ name: "txns", partitions: 1 }]);
      const proc = Bun.spawn(["/usr/bin/python3", TXN_PRODUCER, broker.bootstrap, "txns"], {
        stdout: "pipe",
        stderr: "pipe",
      });
      const [out, err, code] = await Promise.all([
        new Response(proc.stdout).text(),
        new Response(proc.stderr).text(),
        proc.exited,
      ]);
      expect(`${code} ${out}`).toBe("0 DONE\n");
      void err;
      const read = async (isolationLevel: "read_committed" | "read_uncommitted") => {
        const consumer = kafka.consumer({ isolationLevel });
        consumer.assign([{ topic: "txns", partition: 0, offset: 0 }]);
        const values: string[] = [];
        for (let i = 0; i < 10 && values.length < 4; i++) {
          for (const r of await consumer.poll(300)) values.push(new TextDecoder().decode(r.value!));
        }
        await consumer.close();
        return values;
      };
      expect(await read("read_committed")).toEqual(["c1", "c2", "c3"]);
      expect(await read("read_uncommitted")).toEqual(["c1", "c2", "a1", "c3"]);
    } finally {
      await kafka.close();
    }
  }, 60_000);
});
