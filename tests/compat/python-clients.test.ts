/**
 * The Python Kafka clients against a real broker process: confluent-kafka-python
 * (librdkafka, idempotent producer) and kafka-python. Each scenario is a script under
 * python/ that asserts as it goes and exits non-zero on the first surprise.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { type BrokerProcess, removeDir, startBrokerProcess } from "../helpers/broker-process.ts";

const PYTHON = "/usr/bin/python3";
const DIR = join(import.meta.dir, "python");

let broker: BrokerProcess;

beforeAll(async () => {
  broker = await startBrokerProcess();
});

afterAll(async () => {
  await broker?.stop();
  if (broker) removeDir(broker.dataDir);
});

async function runScript(script: string, ...args: string[]): Promise<string> {
  const proc = Bun.spawn([PYTHON, join(DIR, script), broker.bootstrap, ...args], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), 90_000);
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  clearTimeout(timer);
  if (code !== 0) throw new Error(`${script} ${args.join(" ")} exited ${code}:\n${out}\n${err}`);
  return out;
}

describe("confluent-kafka-python", () => {
  test("admin: create with configs, describe configs, add partitions, delete", async () => {
    expect(await runScript("confluent_roundtrip.py", "admin")).toContain("admin ok");
  }, 100_000);

  test("an idempotent producer's 2000 messages come back in order with keys, headers and timestamps; offsets_for_times finds them", async () => {
    expect(await runScript("confluent_roundtrip.py", "produce")).toContain('"delivered": 2000');
    expect(await runScript("confluent_roundtrip.py", "consume")).toContain('"consumed": 2000');
  }, 100_000);
});

describe("kafka-python", () => {
  test("admin, produce, assign-and-seek consume, offsets_for_times, end offsets, delete", async () => {
    expect(await runScript("kafka_python_roundtrip.py")).toContain("kafka-python ok");
  }, 100_000);
});
