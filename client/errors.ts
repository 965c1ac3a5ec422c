/**
 * Errors the client raises. Two kinds, told apart by class:
 * - KafkaError: the broker answered with a Kafka error code (UNKNOWN_TOPIC_OR_PARTITION…).
 *   `name` of the code is the Kafka name; `retriable` follows Kafka's classification.
 * - ClientError: something on our side of the wire — connection refused or lost, a timeout,
 *   a malformed response, a usage mistake. `code` is a small closed union.
 */

export type ClientErrorCode =
  /** Could not connect, or the connection dropped with requests in flight. */
  | "connection"
  /** No answer within the request or operation timeout. */
  | "timeout"
  /** The broker sent bytes we could not decode (a broken or incompatible peer). */
  | "protocol"
  /** The broker does not support any version of an API we need. */
  | "unsupported"
  /** The caller asked for something impossible (bad argument, closed client). */
  | "invalid_argument"
  /** The client was closed while the operation was pending. */
  | "closed";

export class ClientError extends Error {
  override readonly name = "ClientError";
  readonly code: ClientErrorCode;
  constructor(code: ClientErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
  /** Connection problems and timeouts may go away on retry. */
  get retriable(): boolean {
    return this.code === "connection" || this.code === "timeout";
  }
}

export class KafkaError extends Error {
  override readonly name = "KafkaError";
  constructor(
    /** Numeric Kafka error code. */
    readonly errorCode: number,
    /** Kafka's name for it, e.g. "UNKNOWN_TOPIC_OR_PARTITION". */
    readonly errorName: string,
    readonly retriable: boolean,
    message: string,
  ) {
    super(message);
  }
}

export function isRetriable(err: unknown): boolean {
  return (err instanceof KafkaError || err instanceof ClientError) && err.retriable;
}
