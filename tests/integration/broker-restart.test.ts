/**
 * Restarting the broker between produce and consume: every acknowledged record is there
 * afterwards — after a clean SIGTERM and after SIGKILL — and idempotent producers keep
 * their sequence state across the restart (duplicates answered with the original offset,
 * gaps and stale epochs refused).
 */
import { describe, expect, test } from "bun:test";
import { ErrorCode } from "../../protocol/errors.ts";
import { ApiKey } from "../../protocol/messages/generated/apis.ts";
import { buildRecordBatch } from "../../protocol/records/batch.ts";
import { removeDir, startBrokerProcess, tempDataDir } from "../helpers/broker-process.ts";
import { request } from "../helpers/kafka-request.ts";
import { connectRaw } from "../helpers/raw-client.ts";

const KCAT = "/usr/bin/kcat";
const enc = new TextEncoder();

async function kcat(bootstrap: string, args: string[], input?: string): Promise<string> {
  const proc = Bun.spawn([KCAT, "-b", bootstrap, ...args], {
    stdin: input === undefined ? "ignore" : enc.encode(input),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  if (code !== 0) throw new Error(`kcat ${args.join(" ")} failed: ${err}`);
  return out;
}

function lines(n: number, tag: string): string {
  let s = "";
  for (let i = 0; i < n; i++) s += `k${i}:${tag}-${i}\n`;
  return s;
}

describe("restart", () => {
  for (const how of ["SIGTERM", "SIGKILL"] as const) {
    test(`everything acknowledged before a ${how} is there after the restart`, async () => {
      const dataDir = tempDataDir();
      const env = { DATACORE_NUM_PARTITIONS: "3" };
      const first = await startBrokerProcess({ dataDir, env });
      const input = lines(20_000, how);
      // acks=all: kcat exits 0 only once every message is acknowledged.
      await kcat(
        first.bootstrap,
        ["-P", "-t", "restart", "-K:", "-X", "acks=all", "-z", "lz4"],
        input,
      );
      if (how === "SIGTERM") expect(await first.stop()).toBe(0);
      else await first.kill();
      const second = await startBrokerProcess({ dataDir, env });
      const out = await kcat(second.bootstrap, [
        "-C",
        "-t",
        "restart",
        "-o",
        "beginning",
        "-e",
        "-f",
        "%k:%s\n",
      ]);
      expect(out.split("\n").filter(Boolean).sort()).toEqual(
        input.split("\n").filter(Boolean).sort(),
      );
      await second.stop();
      removeDir(dataDir);
    }, 60_000);
  }

  for (const how of ["SIGTERM", "SIGKILL"] as const) {
    test(`an idempotent producer's sequence state survives a ${how} restart`, async () => {
      const dataDir = tempDataDir();
      const first = await startBrokerProcess({ dataDir });
      let client = await connectRaw(first.port);
      const created = await request(client, ApiKey.CreateTopics, 7, {
        topics: [{ name: "idem", numPartitions: 1, replicationFactor: 1 }],
      });
      expect(created.topics[0]?.errorCode).toBe(ErrorCode.NONE);
      const init = await request(client, ApiKey.InitProducerId, 4, {
        transactionalId: null,
        transactionTimeoutMs: 60_000,
      });
      expect(init.errorCode).toBe(ErrorCode.NONE);
      const producerId = Number(init.producerId);
      const batch = (baseSequence: number, count: number, epoch = 0) =>
        buildRecordBatch({
          producerId,
          producerEpoch: epoch,
          baseSequence,
          records: Array.from({ length: count }, (_, i) => ({
            value: enc.encode(`seq-${baseSequence + i}`),
            timestamp: 1_700_000_000_000,
          })),
        });
      const produce = async (records: Uint8Array) => {
        const r = await request(client, ApiKey.Produce, 9, {
          acks: -1,
          timeoutMs: 10_000,
          topicData: [{ name: "idem", partitionData: [{ index: 0, records }] }],
        });
        return r.responses[0]!.partitionResponses[0]!;
      };
      // Six batches of 10: offsets 0, 10, …, 50.
      for (let b = 0; b < 6; b++) {
        const r = await produce(batch(b * 10, 10));
        expect(r.errorCode).toBe(ErrorCode.NONE);
        expect(r.baseOffset).toBe(BigInt(b * 10));
      }
      client.end();
      // SIGTERM restores from the producer snapshot; SIGKILL replays the log.
      if (how === "SIGTERM") expect(await first.stop()).toBe(0);
      else await first.kill();

      const second = await startBrokerProcess({ dataDir });
      client = await connectRaw(second.port);
      // A retry of the last batch is a duplicate: answered with its original offset.
      const dup = await produce(batch(50, 10));
      expect(dup.errorCode).toBe(ErrorCode.NONE);
      expect(dup.baseOffset).toBe(50n);
      // A gap in the sequence is refused.
      const gap = await produce(batch(70, 10));
      expect(gap.errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
      // The next batch in sequence is appended after the originals.
      const next = await produce(batch(60, 10));
      expect(next.errorCode).toBe(ErrorCode.NONE);
      expect(next.baseOffset).toBe(60n);
      // A newer epoch fences the old one.
      expect((await produce(batch(0, 5, 1))).errorCode).toBe(ErrorCode.NONE);
      expect((await produce(batch(70, 10, 0))).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
      // Producer ids are never reused across restarts.
      const again = await request(client, ApiKey.InitProducerId, 4, {
        transactionalId: null,
        transactionTimeoutMs: 60_000,
      });
      expect(Number(again.producerId)).toBeGreaterThan(producerId);
      client.end();
      await second.stop();
      removeDir(dataDir);
    }, 60_000);
  }
});
