/**
 * Transactions with librdkafka (confluent-kafka-python 1.7 / librdkafka 2.0.2) against a
 * real broker process: commit/abort visibility for read_committed and read_uncommitted
 * consumers, zombie fencing, and consume-transform-produce with
 * send_offsets_to_transaction while the processing process is SIGKILLed at random points:
 * the output holds every input record exactly once and the group's committed offsets
 * reach the input's end.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { type BrokerProcess, removeDir, startBrokerProcess } from "../helpers/broker-process.ts";

const PYTHON = "/usr/bin/python3";
const SCRIPT = join(import.meta.dir, "python/txn_scenarios.py");

let broker: BrokerProcess;

beforeAll(async () => {
  broker = await startBrokerProcess({
    env: { DATACORE_GROUP_INITIAL_REBALANCE_DELAY_MS: "0" },
  });
});

afterAll(async () => {
  await broker?.stop();
  if (broker) removeDir(broker.dataDir);
});

async function runScript(...args: string[]): Promise<string> {
  const proc = Bun.spawn([PYTHON, SCRIPT, broker.bootstrap, ...args], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), 100_000);
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  clearTimeout(timer);
  if (code !== 0) throw new Error(`${args.join(" ")} exited ${code}:\n${out}\n${err}`);
  return out;
}

function lastJson(out: string): Record<string, unknown> {
  const lines = out.trim().split("\n");
  return JSON.parse(lines[lines.length - 1]!);
}

describe("librdkafka transactions", () => {
  test("committed transactions are visible to read_committed, aborted ones never; read_uncommitted sees both", async () => {
    const r = lastJson(await runScript("basic", "txn-basic"));
    expect(r).toEqual({ committed: 200, uncommitted: 300 });
  }, 110_000);

  test("a second producer with the same transactional.id fences the first, which cannot commit", async () => {
    const r = lastJson(await runScript("fence", "txn-fence"));
    expect(r.fenced).toBe("_FENCED");
    expect(r.fatal).toBe(true);
    expect(r.committed).toEqual(["live-1"]);
  }, 110_000);

  test("consume-transform-produce killed with SIGKILL 22 times: every input record is in the output exactly once and the committed offsets match", async () => {
    const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        { topic: "ctp-in", numPartitions: 3 },
        { topic: "ctp-out", numPartitions: 3 },
      ],
    });
    const producer = kafka.producer();
    await producer.connect();
    const N = 4000;
    for (let i = 0; i < N; i += 500) {
      await producer.send({
        topic: "ctp-in",
        messages: Array.from({ length: 500 }, (_, j) => ({
          key: String(i + j),
          value: String(i + j),
          partition: (i + j) % 3,
        })),
      });
    }
    await producer.disconnect();

    const worker = () =>
      Bun.spawn(
        [PYTHON, SCRIPT, broker.bootstrap, "worker", "ctp-in", "ctp-out", "ctp-g", "ctp-w"],
        {
          stdout: "pipe",
          stderr: "pipe",
        },
      );
    let kills = 0;
    let batchesBeforeKills = 0;
    for (let round = 0; round < 22; round++) {
      const w = worker();
      // Random points: during start-up, init_transactions, the join, mid-transaction.
      await Bun.sleep(300 + Math.floor(Math.random() * 1700));
      w.kill("SIGKILL");
      await w.exited;
      kills++;
      batchesBeforeKills += (await new Response(w.stdout).text()).split('"batch"').length - 1;
    }
    expect(kills).toBe(22);
    // The killed workers did real work (so kills landed between transactions too).
    expect(batchesBeforeKills).toBeGreaterThan(0);
    const last = worker();
    const [out, err, code] = await Promise.all([
      new Response(last.stdout).text(),
      new Response(last.stderr).text(),
      last.exited,
    ]);
    if (code !== 0) throw new Error(`final worker exited ${code}:\n${out}\n${err}`);

    const read = lastJson(await runScript("read", "ctp-out", "read_committed"));
    const values = read.values as string[];
    const seen = new Map<string, number>();
    for (const v of values) seen.set(v, (seen.get(v) ?? 0) + 1);
    const duplicates = [...seen].filter(([, n]) => n > 1).map(([v]) => v);
    const missing = Array.from({ length: N }, (_, i) => `out-${i}`).filter((v) => !seen.has(v));
    expect({ duplicates: duplicates.slice(0, 10), missing: missing.slice(0, 10) }).toEqual({
      duplicates: [],
      missing: [],
    });
    expect(values.length).toBe(N);
    // Killed transactions left aborted records behind: read_uncommitted sees them too.
    const raw = lastJson(await runScript("read", "ctp-out", "read_uncommitted"));
    const uncommitted = (raw.values as string[]).length;
    expect(uncommitted).toBeGreaterThanOrEqual(N);
    console.log(
      `ctp: ${kills} kills, ${batchesBeforeKills} committed batches before the last worker, ${uncommitted - N} aborted records in the output`,
    );

    const offsets = await admin.fetchOffsets({ groupId: "ctp-g", topics: ["ctp-in"] });
    const committed = offsets[0]!.partitions.map((p) => [p.partition, Number(p.offset)]);
    const ends = (await admin.fetchTopicOffsets("ctp-in")).map((p) => [
      p.partition,
      Number(p.high),
    ]);
    expect(committed.sort()).toEqual(ends.sort());
    await admin.disconnect();
  }, 120_000);
});
