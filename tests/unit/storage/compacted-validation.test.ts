/**
 * Produce to a compacted topic is the one broker path that decompresses a client's batch
 * (to check every record has a key). A hostile compressed payload with a valid CRC must
 * come back as a corrupt batch, promptly: the snappy decoder we used to call looped
 * forever on a negative literal length, which would have hung the broker's event loop.
 */
import { describe, expect, test } from "bun:test";
import { CompressionCodec } from "../../../protocol/compression/codec-id.ts";
import { buildRecordBatch } from "../../../protocol/records/batch.ts";
import { crc32c } from "../../../protocol/records/crc32c.ts";
import { validateRecordsForTopic } from "../../../storage/compacted-validation.ts";
import { KAFKA_LOG_DEFAULTS } from "../../../storage/log-config.ts";

const compacted = { ...KAFKA_LOG_DEFAULTS, cleanupPolicy: { compact: true, delete: false } };

/** A snappy batch whose records section is replaced by `section`, CRC and length fixed up. */
function batchWithSection(section: Uint8Array): Uint8Array {
  const good = buildRecordBatch({
    compression: CompressionCodec.snappy,
    records: [{ key: new Uint8Array([1]), value: new Uint8Array([2]), timestamp: 1 }],
  });
  const out = new Uint8Array(61 + section.length);
  out.set(good.subarray(0, 61));
  out.set(section, 61);
  const view = new DataView(out.buffer);
  view.setInt32(8, out.length - 12);
  view.setUint32(17, crc32c(out, 21, out.length));
  return out;
}

describe("compacted-topic validation of compressed batches", () => {
  test("a snappy payload that once hung the decoder is reported as a corrupt batch", () => {
    const hostile = Uint8Array.from([10, 0xfc, 0xf0, 0xff, 0xff, 0xff, 1, 2, 3]);
    const err = validateRecordsForTopic(batchWithSection(hostile), compacted);
    expect(err?.code).toBe("corrupt_batch");
    expect(err?.message).toContain("snappy");
  });

  test("a well-formed snappy batch with keys passes", () => {
    const ok = buildRecordBatch({
      compression: CompressionCodec.snappy,
      records: [{ key: new Uint8Array([1]), value: new Uint8Array(300).fill(7), timestamp: 1 }],
    });
    expect(validateRecordsForTopic(ok, compacted)).toBeNull();
  });
});
