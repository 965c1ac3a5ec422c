/**
 * Request and response headers, with the version rules Kafka applies around them.
 *
 * - Request header v0: api key, api version, correlation id (only ControlledShutdown v0).
 *   v1 adds the client id; v2 (flexible API versions) adds tagged fields. The client id
 *   stays a legacy int16-prefixed nullable string even in v2, so a broker can read the
 *   header of any ApiVersions request before it knows which versions the client speaks.
 * - Response header v0: correlation id; v1 (flexible API versions) adds tagged fields.
 *   ApiVersions responses always use v0 (KIP-511): a client that sent a version the broker
 *   does not know must still be able to read the answer.
 */
import { ProtocolError } from "../codec/errors.ts";
import type { Reader } from "../codec/reader.ts";
import type { Writer } from "../codec/writer.ts";
import { ApiKey, apiInfo } from "./generated/apis.ts";
import {
  decodeRequestHeader as decodeRequestHeaderVersion,
  encodeRequestHeader as encodeRequestHeaderVersion,
  type RequestHeader,
} from "./generated/request-header.ts";
import {
  decodeResponseHeader as decodeResponseHeaderVersion,
  encodeResponseHeader as encodeResponseHeaderVersion,
  type ResponseHeader,
} from "./generated/response-header.ts";

export type { RequestHeader, ResponseHeader };

function flexibleFrom(apiKey: number): number | null {
  const info = apiInfo(apiKey);
  if (info === undefined) throw new ProtocolError("unknown_api", `unknown api key ${apiKey}`);
  return info.flexibleFrom;
}

/**
 * Request header version for an API version. Works for versions above the table's maximum
 * too (flexibility only grows), which is how a broker reads a too-new ApiVersions request.
 */
export function requestHeaderVersion(apiKey: number, apiVersion: number): number {
  const from = flexibleFrom(apiKey);
  if (from !== null && apiVersion >= from) return 2;
  if (apiKey === ApiKey.ControlledShutdown && apiVersion === 0) return 0;
  return 1;
}

/** Response header version for an API version (ApiVersions: always 0, KIP-511). */
export function responseHeaderVersion(apiKey: number, apiVersion: number): number {
  if (apiKey === ApiKey.ApiVersions) return 0;
  const from = flexibleFrom(apiKey);
  return from !== null && apiVersion >= from ? 1 : 0;
}

/**
 * Decodes a request header knowing nothing in advance: peeks the api key and version in the
 * first 4 bytes to choose the header version. Throws ProtocolError("unknown_api") for a key
 * not in the table, "truncated" for fewer than 4 bytes.
 */
export function decodeRequestHeader(r: Reader): RequestHeader {
  if (r.remaining < 4) throw new ProtocolError("truncated", "request header shorter than 4 bytes");
  const o = r.offset;
  const apiKey = ((r.buf[o]! << 24) >> 16) | r.buf[o + 1]!;
  const apiVersion = ((r.buf[o + 2]! << 24) >> 16) | r.buf[o + 3]!;
  return decodeRequestHeaderVersion(r, requestHeaderVersion(apiKey, apiVersion));
}

/** Encodes a request header in the version its api key and version call for. */
export function encodeRequestHeader(
  w: Writer,
  apiKey: number,
  apiVersion: number,
  correlationId: number,
  clientId: string | null,
): void {
  encodeRequestHeaderVersion(
    w,
    { requestApiKey: apiKey, requestApiVersion: apiVersion, correlationId, clientId },
    requestHeaderVersion(apiKey, apiVersion),
  );
}

export function decodeResponseHeader(
  r: Reader,
  apiKey: number,
  apiVersion: number,
): ResponseHeader {
  return decodeResponseHeaderVersion(r, responseHeaderVersion(apiKey, apiVersion));
}

export function encodeResponseHeader(
  w: Writer,
  apiKey: number,
  apiVersion: number,
  correlationId: number,
): void {
  encodeResponseHeaderVersion(w, { correlationId }, responseHeaderVersion(apiKey, apiVersion));
}
