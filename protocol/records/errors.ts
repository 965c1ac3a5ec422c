/**
 * Typed failures of the records layer. A RecordsError is a ProtocolError (so code that
 * handles malformed frames handles it too) with a finer `reason` that a broker maps to a
 * Kafka error code: corrupt_crc → CORRUPT_MESSAGE (2), unsupported_codec →
 * UNSUPPORTED_COMPRESSION_TYPE (76), the others → CORRUPT_MESSAGE or INVALID_RECORD (87).
 */
import { ProtocolError, type ProtocolErrorCode } from "../codec/errors.ts";

export type RecordsErrorReason =
  /** The batch or message ends before its declared length. */
  | "truncated"
  /** A batch/record length, count or offset delta is negative or inconsistent. */
  | "bad_length"
  /** The magic byte is not one this decoder handles. */
  | "bad_magic"
  /** The stored checksum does not match the bytes. */
  | "corrupt_crc"
  /** An int64 offset or timestamp does not fit in a safe JavaScript integer. */
  | "unsafe_int64"
  /** A record field is malformed (varint too long, length past the record's end…). */
  | "bad_record"
  /** The attributes name a compression codec this build does not know. */
  | "unsupported_codec"
  /** Compressed data is corrupt. */
  | "bad_compressed_data"
  /** Decompressed output would exceed the caller's cap (decompression bomb guard). */
  | "decompression_limit";

const CODE_OF: Record<RecordsErrorReason, ProtocolErrorCode> = {
  truncated: "truncated",
  bad_length: "invalid_length",
  bad_magic: "unsupported_version",
  corrupt_crc: "invalid_value",
  unsafe_int64: "invalid_value",
  bad_record: "invalid_value",
  unsupported_codec: "invalid_value",
  bad_compressed_data: "invalid_value",
  decompression_limit: "invalid_length",
};

export class RecordsError extends ProtocolError {
  readonly reason: RecordsErrorReason;

  constructor(reason: RecordsErrorReason, message: string, options?: { cause?: unknown }) {
    super(CODE_OF[reason], message, options);
    this.reason = reason;
  }
}
