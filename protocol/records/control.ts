/**
 * Control records (KIP-98): the single record of a control batch that marks a
 * transaction's end. Key: version int16 (0) + type int16 (ABORT = 0, COMMIT = 1).
 * Value: version int16 (0) + coordinatorEpoch int32. Control batches are always
 * transactional and carry the producer id and epoch of the transaction they close.
 */
import { CompressionCodec } from "../compression/codec-id.ts";
import { buildRecordBatch } from "./batch.ts";
import { RecordsError } from "./errors.ts";

export const ControlType = { abort: 0, commit: 1 } as const;
export type ControlTypeId = (typeof ControlType)[keyof typeof ControlType];

export interface ControlRecord {
  type: ControlTypeId;
  coordinatorEpoch: number;
}

export function encodeControlKey(type: ControlTypeId): Uint8Array {
  const key = new Uint8Array(4);
  const view = new DataView(key.buffer);
  view.setInt16(0, 0);
  view.setInt16(2, type);
  return key;
}

export function encodeControlValue(coordinatorEpoch: number): Uint8Array {
  const value = new Uint8Array(6);
  const view = new DataView(value.buffer);
  view.setInt16(0, 0);
  view.setInt32(2, coordinatorEpoch);
  return value;
}

/**
 * Parses a control record's key and value. Versions above 0 are accepted as long as the
 * known fields are present (Kafka reads newer control keys the same way).
 */
export function parseControlRecord(
  key: Uint8Array | null,
  value: Uint8Array | null,
): ControlRecord {
  if (key === null || key.length < 4) throw new RecordsError("bad_record", "control key too short");
  const kv = new DataView(key.buffer, key.byteOffset, key.byteLength);
  const version = kv.getInt16(0);
  if (version < 0) throw new RecordsError("bad_record", `control key version ${version}`);
  const type = kv.getInt16(2);
  if (type !== ControlType.abort && type !== ControlType.commit) {
    throw new RecordsError("bad_record", `unknown control type ${type}`);
  }
  if (value === null || value.length < 6) {
    throw new RecordsError("bad_record", "control value too short");
  }
  const vv = new DataView(value.buffer, value.byteOffset, value.byteLength);
  return { type, coordinatorEpoch: vv.getInt32(2) };
}

export interface ControlBatchOptions {
  baseOffset?: number;
  partitionLeaderEpoch?: number;
  producerId: number;
  producerEpoch: number;
  type: ControlTypeId;
  coordinatorEpoch: number;
  timestamp: number;
}

/** Builds the transaction marker batch a coordinator writes on commit or abort. */
export function buildControlBatch(options: ControlBatchOptions): Uint8Array {
  return buildRecordBatch({
    baseOffset: options.baseOffset ?? 0,
    partitionLeaderEpoch: options.partitionLeaderEpoch ?? -1,
    producerId: options.producerId,
    producerEpoch: options.producerEpoch,
    baseSequence: -1,
    transactional: true,
    isControl: true,
    compression: CompressionCodec.none,
    records: [
      {
        key: encodeControlKey(options.type),
        value: encodeControlValue(options.coordinatorEpoch),
        timestamp: options.timestamp,
      },
    ],
  });
}
