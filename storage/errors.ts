/**
 * Typed storage failures: a small closed union of codes with a `cause` (STYLE.md). The
 * broker maps each to a Kafka error code with `kafkaErrorCodeOf`; a broken invariant is
 * an AssertionError instead, never one of these.
 */

export type StorageErrorCode =
  /** The partition hit an I/O error (disk full, EIO) and is offline until restart. */
  | "storage_offline"
  /** The requested offset is before the log start or after the log end. */
  | "offset_out_of_range"
  /** Stored or offered bytes are not a valid record batch. */
  | "corrupt_batch"
  /** A batch is well-formed but not acceptable here (e.g. a null key on a compacted topic). */
  | "invalid_record"
  /** A topic config name or value is not acceptable. */
  | "invalid_config"
  /** The topic (or partition) is not known to the metadata store. */
  | "unknown_topic"
  /** A topic with this name already exists. */
  | "topic_exists"
  /** The log or engine was closed. */
  | "closed";

const KAFKA_CODE: Record<StorageErrorCode, number> = {
  storage_offline: 56, // KAFKA_STORAGE_ERROR
  offset_out_of_range: 1, // OFFSET_OUT_OF_RANGE
  corrupt_batch: 2, // CORRUPT_MESSAGE
  invalid_record: 87, // INVALID_RECORD
  invalid_config: 40, // INVALID_CONFIG
  unknown_topic: 3, // UNKNOWN_TOPIC_OR_PARTITION
  topic_exists: 36, // TOPIC_ALREADY_EXISTS
  closed: 56, // the replica is gone: clients retry elsewhere, as with a storage error
};

export class StorageError extends Error {
  readonly code: StorageErrorCode;

  constructor(code: StorageErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StorageError";
    this.code = code;
  }
}

export function kafkaErrorCodeOf(code: StorageErrorCode): number {
  return KAFKA_CODE[code];
}

export function isStorageError(err: unknown, code?: StorageErrorCode): err is StorageError {
  return err instanceof StorageError && (code === undefined || err.code === code);
}

export function outOfRange(offset: number, start: number, end: number): StorageError {
  return new StorageError(
    "offset_out_of_range",
    `offset ${offset} is outside the log range [${start}, ${end}]`,
  );
}
