/**
 * Produce and Fetch through the real pipeline over the memory engine: offsets, acks=0,
 * validation errors, LogAppendTime, idempotence, long polls on the manual clock, whole
 * batches for mid-batch offsets, KIP-227 sessions and legacy message formats.
 */
import { describe, expect, test } from "bun:test";
import { ErrorCode } from "../../../../protocol/errors.ts";
import { encodeRequestFrame } from "../../../../protocol/messages/frame.ts";
import { ApiKey } from "../../../../protocol/messages/generated/apis.ts";
import { buildRecordBatch, decodeRecordBatch } from "../../../../protocol/records/batch.ts";
import { RecordBatchHeader, TimestampType } from "../../../../protocol/records/batch-header.ts";
import { buildMessageSet, decodeMessageSet } from "../../../../protocol/records/legacy.ts";
import { startTestBroker, type TestBroker } from "../harness.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const TS = 1_600_000_000_000;

function batch(values: string[], opts: { producerId?: number; epoch?: number; seq?: number } = {}) {
  return buildRecordBatch({
    producerId: opts.producerId ?? -1,
    producerEpoch: opts.epoch ?? -1,
    baseSequence: opts.seq ?? -1,
    records: values.map((v, i) => ({
      key: enc.encode(`k-${v}`),
      value: enc.encode(v),
      timestamp: TS + i,
    })),
  });
}

async function topic(b: TestBroker, name: string, configs: { name: string; value: string }[] = []) {
  const r = await b.call(ApiKey.CreateTopics, 7, {
    topics: [{ name, numPartitions: 1, replicationFactor: 1, configs }],
  });
  expect(r!.topics[0]!.errorCode).toBe(ErrorCode.NONE);
}

async function produce(b: TestBroker, name: string, records: Uint8Array, acks = -1, version = 9) {
  const r = await b.call(ApiKey.Produce, version, {
    acks,
    timeoutMs: 1000,
    topicData: [{ name, partitionData: [{ index: 0, records }] }],
  });
  return r === null ? undefined : r.responses[0]!.partitionResponses[0]!;
}

function fetchBody(name: string, offset: number, extra: Record<string, unknown> = {}) {
  return {
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    sessionEpoch: -1,
    topics: [
      {
        topic: name,
        partitions: [{ partition: 0, fetchOffset: BigInt(offset), partitionMaxBytes: 1 << 20 }],
      },
    ],
    ...extra,
  };
}

function values(records: Uint8Array | null): string[] {
  const out: string[] = [];
  let pos = 0;
  while (records && pos < records.length) {
    const d = decodeRecordBatch(records, pos);
    for (const r of d.records) out.push(`${r.offset}:${dec.decode(r.value!)}`);
    pos += d.size;
  }
  return out;
}

describe("produce", () => {
  test("batches get consecutive offsets and come back from fetch as written", async () => {
    const b = await startTestBroker();
    await topic(b, "t");
    expect((await produce(b, "t", batch(["a", "b"])))!.baseOffset).toBe(0n);
    expect((await produce(b, "t", batch(["c"])))!.baseOffset).toBe(2n);
    const f = await b.call(ApiKey.Fetch, 12, fetchBody("t", 0));
    const p = f!.responses[0]!.partitions[0]!;
    expect(p.highWatermark).toBe(3n);
    expect(values(p.records)).toEqual(["0:a", "1:b", "2:c"]);
  });

  test("acks=0 sends no response, but the records are written", async () => {
    const b = await startTestBroker();
    await topic(b, "t");
    expect(await produce(b, "t", batch(["x"]), 0)).toBeUndefined();
    const f = await b.call(ApiKey.Fetch, 12, fetchBody("t", 0));
    expect(values(f!.responses[0]!.partitions[0]!.records)).toEqual(["0:x"]);
  });

  test("a corrupted batch is CORRUPT_MESSAGE with a record error; nothing is written", async () => {
    const b = await startTestBroker();
    await topic(b, "t");
    const bad = batch(["a"]);
    bad[bad.length - 1]! ^= 0xff;
    const r = await produce(b, "t", bad);
    expect(r!.errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect(r!.recordErrors[0]?.batchIndex).toBe(0);
    expect(b.core.partition("t", 0)!.log.logEndOffset()).toBe(0 as never);
  });

  test("a batch over max.message.bytes is MESSAGE_TOO_LARGE", async () => {
    const b = await startTestBroker();
    await topic(b, "t", [{ name: "max.message.bytes", value: "100" }]);
    const r = await produce(b, "t", batch(["x".repeat(200)]));
    expect(r!.errorCode).toBe(ErrorCode.MESSAGE_TOO_LARGE);
  });

  test("an unknown topic or partition is UNKNOWN_TOPIC_OR_PARTITION; bad acks is INVALID_REQUIRED_ACKS", async () => {
    const b = await startTestBroker();
    expect((await produce(b, "nope", batch(["a"])))!.errorCode).toBe(
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    );
    await topic(b, "t");
    expect((await produce(b, "t", batch(["a"]), 2))!.errorCode).toBe(
      ErrorCode.INVALID_REQUIRED_ACKS,
    );
  });

  test("a compacted topic refuses records without a key (INVALID_RECORD)", async () => {
    const b = await startTestBroker();
    await topic(b, "c", [{ name: "cleanup.policy", value: "compact" }]);
    const keyless = buildRecordBatch({
      records: [{ key: null, value: enc.encode("v"), timestamp: TS }],
    });
    const r = await produce(b, "c", keyless);
    expect(r!.errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect((await produce(b, "c", batch(["keyed"])))!.errorCode).toBe(ErrorCode.NONE);
  });

  test("LogAppendTime topics stamp the broker's clock into the batch", async () => {
    const b = await startTestBroker();
    await topic(b, "t", [{ name: "message.timestamp.type", value: "LogAppendTime" }]);
    const r = await produce(b, "t", batch(["a"]));
    expect(r!.logAppendTimeMs).toBe(BigInt(b.clock.nowMs()));
    const f = await b.call(ApiKey.Fetch, 12, fetchBody("t", 0));
    const h = new RecordBatchHeader(f!.responses[0]!.partitions[0]!.records!, 0);
    expect(h.timestampType).toBe(TimestampType.logAppendTime);
    expect(h.maxTimestamp).toBe(b.clock.nowMs());
  });

  test("an idempotent retry of any of the last five batches gets its original offset; older is out of order", async () => {
    const b = await startTestBroker();
    await topic(b, "t");
    const init = await b.call(ApiKey.InitProducerId, 4, {
      transactionalId: null,
      transactionTimeoutMs: 1000,
    });
    const producerId = Number(init!.producerId);
    for (let i = 0; i < 7; i++) {
      const r = await produce(
        b,
        "t",
        batch([`a${i}`, `b${i}`], { producerId, epoch: 0, seq: i * 2 }),
      );
      expect(r!.baseOffset).toBe(BigInt(i * 2));
    }
    for (let i = 2; i < 7; i++) {
      const r = await produce(
        b,
        "t",
        batch([`a${i}`, `b${i}`], { producerId, epoch: 0, seq: i * 2 }),
      );
      expect(r!.errorCode).toBe(ErrorCode.NONE);
      expect(r!.baseOffset).toBe(BigInt(i * 2));
    }
    const tooOld = await produce(b, "t", batch(["a1", "b1"], { producerId, epoch: 0, seq: 2 }));
    expect(tooOld!.errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    expect(b.core.partition("t", 0)!.log.logEndOffset()).toBe(14 as never);
    const described = await b.call(ApiKey.DescribeProducers, 0, {
      topics: [{ name: "t", partitionIndexes: [0] }],
    });
    expect(described!.topics[0]!.partitions[0]!.activeProducers).toMatchObject([
      { producerId: BigInt(producerId), producerEpoch: 0, lastSequence: 13 },
    ]);
  });

  test("from Produce v3 a partition's records must be one v2 batch (INVALID_RECORD otherwise)", async () => {
    const b = await startTestBroker();
    await topic(b, "t");
    const two = new Uint8Array([...batch(["a"]), ...batch(["b"])]);
    expect((await produce(b, "t", two))!.errorCode).toBe(ErrorCode.INVALID_RECORD);
    const legacy = buildMessageSet({
      magic: 1,
      messages: [{ offset: 0, timestamp: TS, key: null, value: enc.encode("x") }],
    });
    expect((await produce(b, "t", legacy, 1, 3))!.errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect((await produce(b, "t", two, 1, 2))!.baseOffset).toBe(0n);
  });

  test("Produce v2 message sets are up-converted and Fetch v3 gets them back as MessageSet v1", async () => {
    const b = await startTestBroker();
    await topic(b, "t");
    const set = buildMessageSet({
      magic: 1,
      messages: [
        { offset: 0, timestamp: TS, key: enc.encode("k1"), value: enc.encode("old-1") },
        { offset: 1, timestamp: TS + 1, key: null, value: enc.encode("old-2") },
      ],
    });
    expect((await produce(b, "t", set, 1, 2))!.baseOffset).toBe(0n);
    const modern = await b.call(ApiKey.Fetch, 12, fetchBody("t", 0));
    expect(values(modern!.responses[0]!.partitions[0]!.records)).toEqual(["0:old-1", "1:old-2"]);
    const legacy = await b.call(ApiKey.Fetch, 3, fetchBody("t", 0));
    const { messages } = decodeMessageSet(legacy!.responses[0]!.partitions[0]!.records!);
    expect(messages.map((m) => [m.magic, m.offset, dec.decode(m.value!)])).toEqual([
      [1, 0, "old-1"],
      [1, 1, "old-2"],
    ]);
  });
});

describe("fetch", () => {
  test("an offset inside a batch returns the whole batch; past the end is OFFSET_OUT_OF_RANGE", async () => {
    const b = await startTestBroker();
    await topic(b, "t");
    await produce(b, "t", batch(["a", "b", "c"]));
    const mid = await b.call(ApiKey.Fetch, 12, fetchBody("t", 1));
    expect(values(mid!.responses[0]!.partitions[0]!.records)).toEqual(["0:a", "1:b", "2:c"]);
    const past = await b.call(ApiKey.Fetch, 12, fetchBody("t", 4));
    expect(past!.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    const atEnd = await b.call(ApiKey.Fetch, 12, fetchBody("t", 3));
    expect(atEnd!.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
  });

  test("a long poll waits for data, and an append wakes it", async () => {
    const b = await startTestBroker();
    await topic(b, "t");
    let done = false;
    const pending = b
      .call(ApiKey.Fetch, 12, fetchBody("t", 0, { maxWaitMs: 5000, minBytes: 1 }))
      .then((r) => {
        done = true;
        return r;
      });
    await Bun.sleep(1);
    b.clock.advance(1000);
    await Bun.sleep(1);
    expect(done).toBe(false);
    await produce(b, "t", batch(["late"]));
    const r = await pending;
    expect(values(r!.responses[0]!.partitions[0]!.records)).toEqual(["0:late"]);
  });

  test("a long poll with no data ends at max_wait_ms with an empty answer", async () => {
    const b = await startTestBroker();
    await topic(b, "t");
    let done = false;
    const pending = b
      .call(ApiKey.Fetch, 12, fetchBody("t", 0, { maxWaitMs: 500, minBytes: 1 }))
      .then((r) => {
        done = true;
        return r;
      });
    await Bun.sleep(1);
    b.clock.advance(499);
    await Bun.sleep(1);
    expect(done).toBe(false);
    b.clock.advance(1);
    const r = await pending;
    expect(r!.responses[0]!.partitions[0]!.records?.length ?? 0).toBe(0);
  });

  test("per-partition max bytes cut the answer at batch boundaries, but the first batch always comes", async () => {
    const b = await startTestBroker();
    await topic(b, "t");
    for (let i = 0; i < 5; i++) await produce(b, "t", batch([`v${i}-${"x".repeat(100)}`]));
    const one = batch([`v0-${"x".repeat(100)}`]).length;
    const small = await b.call(ApiKey.Fetch, 12, {
      ...fetchBody("t", 0),
      topics: [
        { topic: "t", partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 10 }] },
      ],
    });
    expect(values(small!.responses[0]!.partitions[0]!.records).length).toBe(1);
    const two = await b.call(ApiKey.Fetch, 12, {
      ...fetchBody("t", 0),
      topics: [
        {
          topic: "t",
          partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: one * 2 + 5 }],
        },
      ],
    });
    expect(values(two!.responses[0]!.partitions[0]!.records).length).toBe(2);
  });

  test("incremental fetch sessions (KIP-227) answer only partitions with news", async () => {
    const b = await startTestBroker();
    await topic(b, "t");
    await produce(b, "t", batch(["a"]));
    const full = await b.call(
      ApiKey.Fetch,
      12,
      fetchBody("t", 0, { sessionId: 0, sessionEpoch: 0 }),
    );
    const sessionId = full!.sessionId;
    expect(sessionId).not.toBe(0);
    expect(values(full!.responses[0]!.partitions[0]!.records)).toEqual(["0:a"]);
    // The consumer moves to offset 1: only that partition is listed; nothing new since.
    const quiet = await b.call(ApiKey.Fetch, 12, fetchBody("t", 1, { sessionId, sessionEpoch: 1 }));
    expect(quiet!.responses).toEqual([]);
    await produce(b, "t", batch(["b"]));
    const news = await b.call(ApiKey.Fetch, 12, {
      ...fetchBody("t", 1, { sessionId, sessionEpoch: 2 }),
      topics: [],
    });
    expect(values(news!.responses[0]!.partitions[0]!.records)).toEqual(["1:b"]);
    const stale = await b.call(ApiKey.Fetch, 12, {
      ...fetchBody("t", 1, { sessionId, sessionEpoch: 2 }),
      topics: [],
    });
    expect(stale!.errorCode).toBe(ErrorCode.INVALID_FETCH_SESSION_EPOCH);
    const unknown = await b.call(ApiKey.Fetch, 12, {
      ...fetchBody("t", 1, { sessionId: sessionId + 1, sessionEpoch: 1 }),
      topics: [],
    });
    expect(unknown!.errorCode).toBe(ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
  });

  test("Fetch v13+ names topics by id; an unknown id is UNKNOWN_TOPIC_ID", async () => {
    const b = await startTestBroker();
    await topic(b, "t");
    await produce(b, "t", batch(["a"]));
    const id = b.core.topic("t")!.meta.id;
    const body = (topicId: string) => ({
      ...fetchBody("t", 0),
      topics: [
        { topicId, partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1 << 20 }] },
      ],
    });
    const ok = await b.call(ApiKey.Fetch, 16, body(id));
    expect(ok!.responses[0]!.topicId).toBe(id);
    expect(values(ok!.responses[0]!.partitions[0]!.records)).toEqual(["0:a"]);
    const missing = await b.call(ApiKey.Fetch, 16, body("AAAAAAAAAAAAAAAAAAAAAQ"));
    expect(missing!.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_ID);
  });
});

describe("pipeline", () => {
  test("ApiVersions advertises exactly the registered handlers, and answers an unknown version in v0", async () => {
    const b = await startTestBroker();
    const r = await b.call(ApiKey.ApiVersions, 3, {});
    const keys = r!.apiKeys.map((k) => k.apiKey);
    expect(keys).toContain(ApiKey.Produce);
    expect(keys).not.toContain(ApiKey.LeaderAndIsr);
    const future = await b.raw(
      encodeRequestFrame(ApiKey.ApiVersions, 3, 9, "x", {})
        .slice(4)
        .map((v, i) => (i === 3 ? 77 : v)),
    );
    expect(future.kind).toBe("response");
  });

  test("a request no handler serves closes the connection instead of answering", async () => {
    const b = await startTestBroker();
    const outcome = await b.raw(encodeRequestFrame(ApiKey.LeaderAndIsr, 5, 1, "x", {}).slice(4));
    expect(outcome).toMatchObject({ kind: "close" });
  });
});
