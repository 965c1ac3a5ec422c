/**
 * `topic produce` | `topic consume` round trip: 10,000 lines of mixed content (UTF-8,
 * tabs, empty lines, long lines) come back byte-identical, against this project's broker
 * and against librdkafka's mock cluster.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { runCli } from "../fixtures/cli.ts";
import { type RunningBroker, startBroker } from "../fixtures/datacore-broker.ts";
import {
  type MockCluster,
  mockClusterAvailable,
  startMockCluster,
} from "../fixtures/mock-cluster.ts";

function input(lines: number): Uint8Array {
  const parts: string[] = [];
  let seed = 12345;
  const rand = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    return seed;
  };
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789 \t,:{}\"'éß漢字🙂";
  const chars = [...alphabet];
  for (let i = 0; i < lines; i++) {
    const len = i % 97 === 0 ? 0 : i % 1000 === 1 ? 5000 : rand() % 120;
    let line = `${i}:`;
    for (let j = 0; j < len; j++) line += chars[rand() % chars.length];
    parts.push(line);
  }
  return new TextEncoder().encode(`${parts.join("\n")}\n`);
}

async function roundTrip(brokers: string, topic: string, create: boolean): Promise<void> {
  const data = input(10_000);
  if (create)
    expect((await runCli(["topic", "create", topic, "-p", "1"], { brokers })).code).toBe(0);
  const produced = await runCli(["topic", "produce", topic, "--partition", "0"], {
    brokers,
    stdin: data,
  });
  expect(produced.stderr).toBe("");
  expect(produced.code).toBe(0);
  const consumed = await runCli(
    ["topic", "consume", topic, "--from-beginning", "--partition", "0", "-e"],
    { brokers },
  );
  expect(consumed.code).toBe(0);
  expect(consumed.stdoutBytes.length).toBe(data.length);
  expect(Buffer.compare(Buffer.from(consumed.stdoutBytes), Buffer.from(data))).toBe(0);
}

describe("produce | consume round trip of 10,000 lines", () => {
  let broker: RunningBroker;
  beforeAll(async () => {
    broker = await startBroker();
  });
  afterAll(async () => {
    await broker.stop();
  });

  test("against datacore: byte-identical", async () => {
    await roundTrip(broker.bootstrap, "lines", true);
  }, 60_000);
});

describe.if(mockClusterAvailable())(
  "produce | consume round trip against librdkafka's mock cluster",
  () => {
    let mock: MockCluster;
    beforeAll(async () => {
      mock = await startMockCluster();
    });
    afterAll(async () => {
      await mock.stop();
    });

    test("against the mock: byte-identical", async () => {
      // The mock creates topics on first use (and has no CreateTopics).
      await roundTrip(mock.bootstrap, "lines", false);
    }, 60_000);
  },
);
