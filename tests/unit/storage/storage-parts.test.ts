/** The small pieces: epoch cache semantics, checkpoint formats, indexes, topic configs. */
import { describe, expect, test } from "bun:test";
import { OffsetIndex, TimeIndex } from "../../../storage/file/indexes.ts";
import {
  decodeOffsetCheckpoint,
  encodeOffsetCheckpoint,
} from "../../../storage/file/offset-checkpoint.ts";
import { LeaderEpochCache } from "../../../storage/leader-epoch-cache.ts";
import {
  KAFKA_LOG_DEFAULTS,
  resolveLogConfig,
  validateTopicConfigs,
} from "../../../storage/log-config.ts";
import { toOffset } from "../../../storage/offset.ts";
import { retentionCutoff } from "../../../storage/retention.ts";

const o = toOffset;

describe("leader epoch cache", () => {
  test("a new epoch that starts earlier replaces the diverged history (Kafka's assign)", () => {
    const c = new LeaderEpochCache();
    c.assign(1, o(0));
    c.assign(2, o(10));
    c.assign(3, o(20));
    c.assign(4, o(15));
    expect(c.list().map((e) => [e.epoch, e.startOffset])).toEqual([
      [1, 0],
      [2, 10],
      [4, 15],
    ]);
    expect(c.assign(4, o(18))).toBe(false);
  });

  test("truncation from the start keeps the epoch that spans the new log start", () => {
    const c = new LeaderEpochCache([
      { epoch: 1, startOffset: o(0) },
      { epoch: 2, startOffset: o(10) },
      { epoch: 3, startOffset: o(20) },
    ]);
    c.truncateFromStart(o(15));
    expect(c.list().map((e) => [e.epoch, e.startOffset])).toEqual([
      [2, 15],
      [3, 20],
    ]);
  });

  test("the checkpoint is Kafka's text format and round-trips; junk yields null", () => {
    const c = new LeaderEpochCache([
      { epoch: 0, startOffset: o(0) },
      { epoch: 5, startOffset: o(42) },
    ]);
    expect(c.encode()).toBe("0\n2\n0 0\n5 42\n");
    expect(LeaderEpochCache.decode(c.encode())?.list()).toEqual(c.list());
    expect(LeaderEpochCache.decode("0\n3\n0 0\n")).toBeNull();
    expect(LeaderEpochCache.decode("1\n0\n")).toBeNull();
  });
});

describe("offset checkpoint files", () => {
  test("encode Kafka's topic partition offset lines and read them back", () => {
    const text = encodeOffsetCheckpoint([
      { topic: "a", partition: 0, offset: 5 },
      { topic: "my-topic", partition: 12, offset: 0 },
    ]);
    expect(text).toBe("0\n2\na 0 5\nmy-topic 12 0\n");
    expect([...(decodeOffsetCheckpoint(text) ?? [])]).toEqual([
      ["a-0", 5],
      ["my-topic-12", 0],
    ]);
    expect(decodeOffsetCheckpoint("0\n2\na 0 5\n")).toBeNull();
  });
});

describe("segment indexes", () => {
  test("offset index lookups find the last entry at or below; insane files are rejected", () => {
    const idx = new OffsetIndex();
    idx.append(0, 0);
    idx.append(10, 4096);
    idx.append(25, 9000);
    expect([idx.lookup(0), idx.lookup(9), idx.lookup(10), idx.lookup(24), idx.lookup(99)]).toEqual([
      0, 0, 4096, 4096, 9000,
    ]);
    const bytes = idx.encode();
    expect(OffsetIndex.decode(bytes, 10_000)?.lookup(30)).toBe(9000);
    expect(OffsetIndex.decode(bytes, 9000)).toBeNull(); // position past the segment end
    expect(OffsetIndex.decode(bytes.subarray(0, 12), 10_000)).toBeNull();
    idx.truncateToPosition(4096);
    expect(idx.lookup(99)).toBe(0);
  });

  test("time index answers with the entry strictly before the target", () => {
    const t = new TimeIndex();
    t.maybeAppend(100, 0);
    t.maybeAppend(100, 5); // not newer: ignored
    t.maybeAppend(200, 7);
    expect([t.lookup(50), t.lookup(100), t.lookup(150), t.lookup(201)]).toEqual([0, 0, 0, 7]);
    expect(TimeIndex.decode(t.encode())?.lastTimestamp()).toBe(200);
  });
});

describe("topic configs", () => {
  test("Kafka names and values layer over the defaults; bad ones are INVALID_CONFIG", () => {
    const c = resolveLogConfig(KAFKA_LOG_DEFAULTS, {
      "cleanup.policy": "compact,delete",
      "retention.ms": "-1",
      "segment.bytes": "1048576",
      "min.cleanable.dirty.ratio": "0.1",
      "flush.ms": "9223372036854775807",
    });
    expect(c.cleanupPolicy).toEqual({ compact: true, delete: true });
    expect([c.retentionMs, c.segmentBytes, c.minCleanableDirtyRatio]).toEqual([-1, 1048576, 0.1]);
    expect(c.flushMs).toBe(Number.MAX_SAFE_INTEGER);
    expect(validateTopicConfigs({ "cleanup.policy": "shred" })).toMatch(/cleanup.policy/);
    expect(validateTopicConfigs({ "no.such.key": "1" })).toMatch(/unknown topic config/);
    expect(validateTopicConfigs({ "segment.bytes": "10" })).toMatch(/out of range/);
    expect(validateTopicConfigs({ "compression.type": "zstd" })).toBeNull();
  });
});

describe("retention rules", () => {
  const seg = (size: number, maxTimestamp: number, endOffset: number) => ({
    size,
    maxTimestamp,
    endOffset,
  });
  const base = { ...KAFKA_LOG_DEFAULTS, retentionMs: -1, retentionBytes: -1 };

  test("segments wholly below the log start go even on compacted topics", () => {
    const ctx = {
      config: { ...base, cleanupPolicy: { delete: false, compact: true } },
      nowMs: 0,
      totalBytes: 300,
      logStartOffset: 20,
      highWatermark: 100,
    };
    expect(retentionCutoff([seg(100, 1, 10), seg(100, 1, 20), seg(100, 1, 30)], ctx)).toBe(2);
  });

  test("age and size rules stop at the high watermark", () => {
    const ctx = {
      config: { ...base, retentionMs: 10 },
      nowMs: 1000,
      totalBytes: 300,
      logStartOffset: 0,
      highWatermark: 15,
    };
    expect(retentionCutoff([seg(100, 1, 10), seg(100, 1, 20), seg(100, 999, 30)], ctx)).toBe(1);
  });
});
