import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { decodeRecordBatch } from "../../../../protocol/records/batch.ts";
import { validateBatch } from "../../../../protocol/records/batch-header.ts";
import {
  buildControlBatch,
  ControlType,
  encodeControlKey,
  parseControlRecord,
} from "../../../../protocol/records/control.ts";
import { RecordsError } from "../../../../protocol/records/errors.ts";

describe("transaction markers", () => {
  test("commit and abort markers round-trip as transactional control batches", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(ControlType.abort, ControlType.commit),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.integer({ min: 0, max: 32767 }),
        (type, coordinatorEpoch, producerId, producerEpoch) => {
          const batch = buildControlBatch({
            baseOffset: 10,
            producerId,
            producerEpoch,
            type,
            coordinatorEpoch,
            timestamp: 1_700_000_000_000,
          });
          expect(validateBatch(batch, 0).ok).toBe(true);
          const { header, records } = decodeRecordBatch(batch);
          expect(header.isControl).toBe(true);
          expect(header.isTransactional).toBe(true);
          expect(header.producerId).toBe(producerId);
          expect(header.producerEpoch).toBe(producerEpoch);
          expect(records.length).toBe(1);
          expect(parseControlRecord(records[0]!.key, records[0]!.value)).toEqual({
            type,
            coordinatorEpoch,
          });
        },
      ),
      { numRuns: 50 },
    );
  });

  test("the key layout is version 0 then the type, as Kafka writes it", () => {
    expect([...encodeControlKey(ControlType.commit)]).toEqual([0, 0, 0, 1]);
    expect([...encodeControlKey(ControlType.abort)]).toEqual([0, 0, 0, 0]);
  });

  test("unknown types and short fields are typed errors", () => {
    const value = new Uint8Array(6);
    expect(() => parseControlRecord(new Uint8Array([0, 0, 0, 7]), value)).toThrow(RecordsError);
    expect(() => parseControlRecord(new Uint8Array([0, 0]), value)).toThrow(RecordsError);
    expect(() => parseControlRecord(encodeControlKey(1), new Uint8Array(2))).toThrow(RecordsError);
    expect(() => parseControlRecord(null, null)).toThrow(RecordsError);
  });
});
