/**
 * Small runtime pieces shared by the generated codecs in protocol/messages/generated/.
 * Kept out of the generated files so each helper exists once.
 */
import { ProtocolError } from "./errors.ts";
import type { RawTaggedField } from "./reader.ts";

/**
 * What an encoder accepts: the decoded message type with every field optional, recursively.
 * A missing field is encoded as its schema default (Kafka's default rules plus the spec's
 * `default`), so callers only spell out what they mean. Decoders always return every field.
 */
export type Input<T> = T extends Uint8Array | string | number | bigint | boolean | null | undefined
  ? T
  : T extends readonly (infer E)[]
    ? readonly Input<E>[]
    : { [K in keyof T]?: K extends "_unknownTaggedFields" ? T[K] : Input<T[K]> };

export type { RawTaggedField };

/** Shared zero-length default for `bytes` fields; never written to. */
export const EMPTY_BYTES: Uint8Array = new Uint8Array(0);

export function checkVersion(message: string, version: number, min: number, max: number): void {
  if (!(version >= min && version <= max && Number.isInteger(version))) {
    throw new ProtocolError(
      "unsupported_version",
      `${message} version ${version} is outside ${min}-${max}`,
    );
  }
}

/** Kafka's UnsupportedVersionException: a non-default, non-ignorable field the version lacks. */
export function absentField(message: string, field: string, version: number): ProtocolError {
  return new ProtocolError(
    "unsupported_version",
    `${message}.${field} is set but does not exist in version ${version}`,
  );
}

/** A null where the chosen version does not allow one. */
export function nullField(message: string, field: string): ProtocolError {
  return new ProtocolError("invalid_value", `${message}.${field} is null but not nullable here`);
}
