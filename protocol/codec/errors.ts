/**
 * The only exception a protocol decoder (or an encoder given an impossible message) may throw.
 * `code` is a small closed union so callers can react without parsing messages:
 * a broker closes the connection on any of them; a client treats them as a broken peer.
 */
export type ProtocolErrorCode =
  /** Fewer bytes remain than the structure needs. */
  | "truncated"
  /** A length or count prefix is negative (where not allowed) or larger than the bytes left. */
  | "invalid_length"
  /** A value is outside its domain (varint too long, bad UTF-8, null where not nullable…). */
  | "invalid_value"
  /** A field set to a non-default value does not exist in the chosen version, or the version is outside the valid range. */
  | "unsupported_version"
  /** The api key is not one we know. */
  | "unknown_api";

export class ProtocolError extends Error {
  override readonly name = "ProtocolError";
  readonly code: ProtocolErrorCode;

  constructor(code: ProtocolErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
