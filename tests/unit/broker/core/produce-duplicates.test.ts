/**
 * Regression: an idempotent producer's retry of a batch whose first write is still in
 * flight is a duplicate, but it must not be acknowledged before that first write has
 * reached the durability the retry asks for — otherwise a crash (or a failed write)
 * loses a record the producer was told is safe.
 */
import { describe, expect, test } from "bun:test";
import { PartitionState } from "../../../../broker/core/partition.ts";
import { appendToPartition, type PartitionAppendResult } from "../../../../broker/core/produce.ts";
import { ErrorCode } from "../../../../protocol/errors.ts";
import { buildRecordBatch } from "../../../../protocol/records/batch.ts";
import type { AppendOptions, AppendResult, PartitionLog } from "../../../../storage/engine.ts";
import { StorageError } from "../../../../storage/errors.ts";
import { KAFKA_LOG_DEFAULTS } from "../../../../storage/log-config.ts";
import { MemoryEngine } from "../../../../storage/memory/memory-engine.ts";
import { ManualClock } from "../../../../storage/testing/manual-clock.ts";

/** A log whose appends wait until the test releases them (a slow fsync), or fail. */
async function heldLog() {
  const engine = new MemoryEngine({ clock: new ManualClock(), clusterId: "c", nodeId: 1 });
  const inner = await engine.openLog({
    topic: "t",
    partition: 0,
    topicId: "AAAAAAAAAAAAAAAAAAAAAA",
    config: { ...KAFKA_LOG_DEFAULTS },
  });
  const held: { release: () => void; fail: (e: Error) => void }[] = [];
  let flushes = 0;
  let offline = false;
  const log: PartitionLog = Object.create(inner);
  log.append = (batches: Uint8Array, options: AppendOptions): Promise<AppendResult> => {
    const written = inner.append(batches, options);
    return new Promise((resolve, reject) => {
      held.push({
        release: () => written.then(resolve, reject),
        fail: (e) => {
          offline = true;
          reject(e);
        },
      });
    });
  };
  log.flush = async () => {
    flushes++;
  };
  log.isOffline = () => offline;
  return { log, held, flushes: () => flushes };
}

function idempotentBatch(): Uint8Array {
  return buildRecordBatch({
    producerId: 7,
    producerEpoch: 0,
    baseSequence: 0,
    records: [{ key: null, value: new TextEncoder().encode("v"), timestamp: 1 }],
  });
}

async function settledWithin<T>(p: Promise<T>, ticks = 20): Promise<boolean> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; i < ticks; i++) await Promise.resolve();
  return done;
}

describe("duplicate idempotent batches", () => {
  test("a retry waits for the original write, then gets the original offset", async () => {
    const { log, held, flushes } = await heldLog();
    const partition = new PartitionState("t", "id", 0, log, 0);
    const first = appendToPartition(partition, idempotentBatch(), "sync", 1);
    const retry = appendToPartition(partition, idempotentBatch(), "sync", 1);
    expect(first).toBeInstanceOf(Promise);
    expect(retry).toBeInstanceOf(Promise);
    expect(await settledWithin(retry as Promise<PartitionAppendResult>)).toBe(false);
    held[0]!.release();
    const [a, b] = await Promise.all([first, retry]);
    expect(a.errorCode).toBe(ErrorCode.NONE);
    expect(b.errorCode).toBe(ErrorCode.NONE);
    expect(b.baseOffset).toBe(a.baseOffset);
    expect(held).toHaveLength(1);
    // acks=all on the retry: the write is forced to disk before the answer.
    expect(flushes()).toBe(1);
  });

  test("a retry whose original write failed is not acknowledged", async () => {
    const { log, held } = await heldLog();
    const partition = new PartitionState("t", "id", 0, log, 0);
    const first = appendToPartition(partition, idempotentBatch(), "sync", 1);
    const retry = appendToPartition(partition, idempotentBatch(), "sync", 1);
    held[0]!.fail(new StorageError("storage_offline", "EIO: injected"));
    const [a, b] = await Promise.all([first, retry]);
    expect(a.errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
    expect(b.errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
  });
});
