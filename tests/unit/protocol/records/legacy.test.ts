import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { ProtocolError } from "../../../../protocol/codec/errors.ts";
import {
  CompressionCodec,
  type CompressionCodecId,
} from "../../../../protocol/compression/codec-id.ts";
import { buildRecordBatch, decodeRecordBatch } from "../../../../protocol/records/batch.ts";
import { scanBatches, validateBatch } from "../../../../protocol/records/batch-header.ts";
import { buildControlBatch, ControlType } from "../../../../protocol/records/control.ts";
import { RecordsError } from "../../../../protocol/records/errors.ts";
import {
  buildMessageSet,
  decodeMessageSet,
  downConvertBatches,
  upConvertMessageSet,
} from "../../../../protocol/records/legacy.ts";

const nullableBytes = fc.option(fc.uint8Array({ maxLength: 40 }), { nil: null, freq: 4 });
const legacyCodec = fc.constantFrom<CompressionCodecId>(0, 1, 2, 3);
const messagesArb = fc.array(
  fc.record({
    key: nullableBytes,
    value: nullableBytes,
    timestamp: fc.integer({ min: 0, max: 2 ** 42 }),
  }),
  { minLength: 1, maxLength: 20 },
);

describe("legacy message sets (magic 0 and 1)", () => {
  test("build → decode round trip, compressed wrappers expanded with absolute offsets", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<0 | 1>(0, 1),
        legacyCodec,
        messagesArb,
        fc.integer({ min: 0, max: 2 ** 40 }),
        (magic, compression, msgs, base) => {
          const messages = msgs.map((m, i) => ({
            ...m,
            offset: base + i,
            timestamp: magic === 1 ? m.timestamp : -1,
          }));
          const set = buildMessageSet({ magic, compression, messages });
          const { messages: decoded, partial } = decodeMessageSet(set);
          expect(partial).toBeNull();
          expect(decoded.map((m) => m.offset)).toEqual(messages.map((m) => m.offset));
          expect(decoded.map((m) => m.key)).toEqual(messages.map((m) => m.key));
          expect(decoded.map((m) => m.value)).toEqual(messages.map((m) => m.value));
          expect(decoded.map((m) => m.timestamp)).toEqual(messages.map((m) => m.timestamp));
          expect(decoded.every((m) => m.magic === magic)).toBe(true);
        },
      ),
      { numRuns: 80 },
    );
  });

  test("up-conversion yields one valid v2 batch with the same records", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<0 | 1>(0, 1),
        legacyCodec,
        messagesArb,
        (magic, compression, msgs) => {
          const messages = msgs.map((m, i) => ({
            ...m,
            offset: i,
            timestamp: magic === 1 ? m.timestamp : -1,
          }));
          const set = buildMessageSet({ magic, compression, messages });
          const v2 = upConvertMessageSet(set, { baseOffset: 0 });
          expect(validateBatch(v2, 0).ok).toBe(true);
          const { header, records } = decodeRecordBatch(v2);
          expect(header.compression).toBe(compression);
          expect(records.map((r) => r.value)).toEqual(messages.map((m) => m.value));
          expect(records.map((r) => r.timestamp)).toEqual(messages.map((m) => m.timestamp));
        },
      ),
      { numRuns: 60 },
    );
  });

  test("preserveOffsets keeps stored offsets; producer-style zero offsets are renumbered", () => {
    const mk = (offsets: number[]) =>
      buildMessageSet({
        magic: 1,
        messages: offsets.map((offset) => ({
          offset,
          timestamp: 5,
          key: null,
          value: new Uint8Array([offset]),
        })),
      });
    const kept = decodeRecordBatch(
      upConvertMessageSet(mk([10, 12, 15]), { preserveOffsets: true }),
    );
    expect(kept.records.map((r) => r.offset)).toEqual([10, 12, 15]);
    const renumbered = decodeRecordBatch(
      upConvertMessageSet(mk([0, 0, 0]), { preserveOffsets: true, baseOffset: 0 }),
    );
    expect(renumbered.records.map((r) => r.offset)).toEqual([0, 1, 2]);
  });

  test("down-conversion then up-conversion preserves keys, values, offsets and timestamps", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<0 | 1>(0, 1),
        legacyCodec,
        messagesArb,
        (magic, compression, msgs) => {
          const v2 = buildRecordBatch({
            baseOffset: 300,
            compression,
            records: msgs.map((m) => ({ ...m, headers: [{ key: "dropped", value: null }] })),
          });
          const legacy = downConvertBatches(v2, { magic });
          const { messages } = decodeMessageSet(legacy);
          expect(messages.map((m) => m.offset)).toEqual(msgs.map((_, i) => 300 + i));
          expect(messages.map((m) => m.value)).toEqual(msgs.map((m) => m.value));
          expect(messages.map((m) => m.timestamp)).toEqual(
            msgs.map((m) => (magic === 1 ? m.timestamp : -1)),
          );
          const back = decodeRecordBatch(upConvertMessageSet(legacy, { preserveOffsets: true }));
          expect(back.records.map((r) => r.offset)).toEqual(msgs.map((_, i) => 300 + i));
          expect(back.records.every((r) => r.headers.length === 0)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  test("down-conversion drops control batches and a partial tail, refuses zstd", () => {
    const data = buildRecordBatch({ records: [{ value: new Uint8Array([1]), timestamp: 1 }] });
    const marker = buildControlBatch({
      baseOffset: 1,
      producerId: 1,
      producerEpoch: 0,
      type: ControlType.commit,
      coordinatorEpoch: 0,
      timestamp: 2,
    });
    const blob = new Uint8Array([...data, ...marker, ...data.subarray(0, 20)]);
    const legacy = downConvertBatches(blob, { magic: 1 });
    expect(decodeMessageSet(legacy).messages.length).toBe(1);
    const zstd = buildRecordBatch({
      compression: CompressionCodec.zstd,
      records: [{ value: null, timestamp: 1 }],
    });
    expect(() => downConvertBatches(zstd, { magic: 1 })).toThrow(RecordsError);
  });

  test("a corrupted message fails its CRC-32 check; truncation is reported as partial", () => {
    const set = buildMessageSet({
      magic: 1,
      messages: [{ offset: 0, timestamp: 1, key: null, value: new Uint8Array([1, 2, 3]) }],
    });
    const corrupt = set.slice();
    corrupt[corrupt.length - 1]! ^= 0xff;
    expect(() => decodeMessageSet(corrupt)).toThrow(
      expect.objectContaining({ reason: "corrupt_crc" }),
    );
    const cut = decodeMessageSet(new Uint8Array([...set, ...set.subarray(0, 15)]));
    expect(cut.messages.length).toBe(1);
    expect(cut.partial).toEqual({ offset: set.length, size: 15 });
    expect(scanBatches(set).batches[0]!.magic).toBe(1);
  });

  test("random bytes decode or fail with ProtocolError only", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (junk) => {
        try {
          decodeMessageSet(junk);
        } catch (e) {
          expect(e).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 300 },
    );
  });
});
