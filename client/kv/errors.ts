/**
 * The one error class of the key-value store. `code` is a closed union so callers can
 * branch on it; the underlying client or broker error, when there is one, is the `cause`.
 */

export type KvErrorCode =
  /** The topic has more than one partition: keys would be spread and reads would not see them all. */
  | "multi_partition_topic"
  /** The topic's cleanup.policy is not "compact": old values (or live keys) would be deleted. */
  | "not_compacted"
  /** A value (or key) the serde could not encode, or stored bytes it could not decode. */
  | "serde"
  /** The operation did not complete in `operationTimeoutMs` (typically: the broker is away). */
  | "timeout"
  /** The broker refused the write or the topic set-up (a KafkaError is the cause). */
  | "broker"
  /** No broker could be reached while opening the store (a ClientError is the cause). */
  | "unavailable"
  /** The store was closed before or while the operation ran. */
  | "closed"
  /** A bad argument (an empty batch, a limit below 1…). */
  | "invalid_argument"
  /** The schema registry answered with an error or could not be reached. */
  | "schema_registry";

export class KvError extends Error {
  override readonly name = "KvError";
  readonly code: KvErrorCode;
  constructor(code: KvErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
