/** fast-check generators for records and batch options shared by the records tests. */
import fc from "fast-check";
import type { CompressionCodecId } from "../../../../protocol/compression/codec-id.ts";
import type { BuildBatchOptions } from "../../../../protocol/records/batch.ts";
import type { RecordInput } from "../../../../protocol/records/record.ts";

const bytes = fc.uint8Array({ maxLength: 64 });
const nullableBytes = fc.option(bytes, { nil: null, freq: 4 });
/** Header keys are Java Strings; well-formed Unicode round-trips exactly. */
const headerKey = fc.string({ unit: "grapheme", maxLength: 12 });

export const recordArb: fc.Arbitrary<RecordInput> = fc.record({
  key: nullableBytes,
  value: nullableBytes,
  headers: fc.array(fc.record({ key: headerKey, value: nullableBytes }), { maxLength: 3 }),
  timestamp: fc.integer({ min: 0, max: 4_000_000_000_000 }),
});

export const codecArb = fc.constantFrom<CompressionCodecId>(0, 1, 2, 3, 4);

export const batchOptionsArb: fc.Arbitrary<BuildBatchOptions> = fc.record({
  baseOffset: fc.integer({ min: 0, max: 2 ** 50 }),
  partitionLeaderEpoch: fc.integer({ min: -1, max: 2 ** 31 - 1 }),
  producerId: fc.integer({ min: -1, max: 2 ** 52 }),
  producerEpoch: fc.integer({ min: -1, max: 32767 }),
  baseSequence: fc.integer({ min: -1, max: 2 ** 31 - 1 }),
  transactional: fc.boolean(),
  timestampType: fc.constantFrom<0 | 1>(0, 1),
  compression: codecArb,
  records: fc.array(recordArb, { minLength: 1, maxLength: 30 }),
});
