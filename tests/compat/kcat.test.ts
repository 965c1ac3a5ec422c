/**
 * kcat (librdkafka) against a real broker process: 100,000 keyed messages with headers go
 * in and come back byte-identical, once per compression codec; `kcat -L` lists metadata.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type BrokerProcess, removeDir, startBrokerProcess } from "../helpers/broker-process.ts";

const KCAT = "/usr/bin/kcat";
const COUNT = 100_000;

let broker: BrokerProcess;

beforeAll(async () => {
  broker = await startBrokerProcess();
});

afterAll(async () => {
  await broker?.stop();
  if (broker) removeDir(broker.dataDir);
});

async function kcat(
  args: string[],
  input?: string,
): Promise<{ out: string; err: string; code: number }> {
  const proc = Bun.spawn([KCAT, "-b", broker.bootstrap, ...args], {
    stdin: input === undefined ? "ignore" : new TextEncoder().encode(input),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { out, err, code };
}

function messages(codec: string): string {
  let text = "";
  for (let i = 0; i < COUNT; i++) text += `key-${i}\t${codec} value ${i} ${"x".repeat(i % 50)}\n`;
  return text;
}

describe("kcat", () => {
  for (const codec of ["none", "gzip", "snappy", "lz4", "zstd"]) {
    test(`${COUNT} messages with keys and headers round-trip with ${codec} compression`, async () => {
      const topic = `kcat-${codec}`;
      const input = messages(codec);
      const produced = await kcat(
        ["-P", "-t", topic, "-K", "\t", "-z", codec, "-H", "app=datacore", "-H", `codec=${codec}`],
        input,
      );
      expect(produced.err).not.toContain("ERROR");
      expect(produced.code).toBe(0);
      const consumed = await kcat([
        "-C",
        "-t",
        topic,
        "-o",
        "beginning",
        "-e",
        "-f",
        "%k\t%s\t%h\n",
      ]);
      expect(consumed.code).toBe(0);
      const expected = input
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => `${l}\tapp=datacore,codec=${codec}`);
      const lines = consumed.out.split("\n").filter((l) => l !== "");
      expect(lines.length).toBe(COUNT);
      expect(lines).toEqual(expected);
    }, 120_000);
  }

  test("kcat -L lists the broker and the topics it created", async () => {
    const { out, code } = await kcat(["-L"]);
    expect(code).toBe(0);
    expect(out).toContain(`broker 1 at 127.0.0.1:${broker.port}`);
    expect(out).toContain('topic "kcat-none" with 1 partitions');
  });
});
