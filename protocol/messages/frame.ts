/**
 * Whole frames: header + body, typed per API through the generated API table.
 *
 * Request frames are given without their 4-byte size prefix (the connection layer strips it
 * while splitting the stream); encoded frames come back with the prefix, ready to write.
 * A body must end exactly at the end of its frame: trailing bytes are a ProtocolError.
 */
import { ProtocolError } from "../codec/errors.ts";
import type { Input } from "../codec/generated-support.ts";
import { Reader } from "../codec/reader.ts";
import { Writer } from "../codec/writer.ts";
import {
  API_TABLE,
  type ApiInfo,
  type ApiKey,
  type ApiRequestMap,
  type ApiResponseMap,
  apiInfo,
} from "./generated/apis.ts";
import {
  decodeRequestHeader,
  decodeResponseHeader,
  encodeRequestHeader,
  encodeResponseHeader,
  type RequestHeader,
  type ResponseHeader,
} from "./headers.ts";

/** A decoded request; narrowing on `apiKey` types `body`. */
export type RequestFrame = {
  [K in ApiKey]: {
    readonly apiKey: K;
    readonly apiVersion: number;
    readonly header: RequestHeader;
    readonly body: ApiRequestMap[K];
  };
}[ApiKey];

export interface ResponseFrame<K extends ApiKey> {
  readonly correlationId: number;
  readonly header: ResponseHeader;
  readonly body: ApiResponseMap[K];
}

// Scratch writer for callers that do not bring their own; `finish()` copies out of it.
const scratch = new Writer(64 * 1024);

function checkEnd(r: Reader, what: string): void {
  if (r.remaining !== 0) {
    throw new ProtocolError("invalid_length", `${r.remaining} trailing bytes after ${what}`);
  }
}

function info(apiKey: number): ApiInfo {
  const i = apiInfo(apiKey);
  if (i === undefined) throw new ProtocolError("unknown_api", `unknown api key ${apiKey}`);
  return i;
}

/** Decodes a request frame (size prefix removed). Throws only ProtocolError. */
export function decodeRequestFrame(frame: Uint8Array): RequestFrame {
  const r = new Reader(frame);
  const header = decodeRequestHeader(r);
  const apiKey = header.requestApiKey;
  const apiVersion = header.requestApiVersion;
  const body = info(apiKey).decodeRequest(r, apiVersion);
  checkEnd(r, "request body");
  return { apiKey, apiVersion, header, body } as RequestFrame;
}

/**
 * Appends a complete request frame (size prefix, header, body) to `w` at its current offset,
 * so a client can batch several frames into one buffer and send `w.view()` without a copy.
 */
export function writeRequestFrame<K extends ApiKey>(
  w: Writer,
  apiKey: K,
  apiVersion: number,
  correlationId: number,
  clientId: string | null,
  body: Input<ApiRequestMap[K]>,
): void {
  const spec = API_TABLE[apiKey] as ApiInfo<K>;
  const start = w.offset;
  w.int32(0);
  encodeRequestHeader(w, apiKey, apiVersion, correlationId, clientId);
  spec.encodeRequest(w, body, apiVersion);
  w.patchInt32(start, w.offset - start - 4);
}

/** Appends a complete response frame (size prefix, header, body) to `w` at its current offset. */
export function writeResponseFrame<K extends ApiKey>(
  w: Writer,
  apiKey: K,
  apiVersion: number,
  correlationId: number,
  body: Input<ApiResponseMap[K]>,
): void {
  const spec = API_TABLE[apiKey] as ApiInfo<K>;
  const start = w.offset;
  w.int32(0);
  encodeResponseHeader(w, apiKey, apiVersion, correlationId);
  spec.encodeResponse(w, body, apiVersion);
  w.patchInt32(start, w.offset - start - 4);
}

/** Encodes a request frame including its 4-byte size prefix, as a fresh copy. */
export function encodeRequestFrame<K extends ApiKey>(
  apiKey: K,
  apiVersion: number,
  correlationId: number,
  clientId: string | null,
  body: Input<ApiRequestMap[K]>,
  w: Writer = scratch,
): Uint8Array {
  w.reset();
  writeRequestFrame(w, apiKey, apiVersion, correlationId, clientId, body);
  return w.finish();
}

/** Encodes a response frame including its 4-byte size prefix, as a fresh copy. */
export function encodeResponseFrame<K extends ApiKey>(
  apiKey: K,
  apiVersion: number,
  correlationId: number,
  body: Input<ApiResponseMap[K]>,
  w: Writer = scratch,
): Uint8Array {
  w.reset();
  writeResponseFrame(w, apiKey, apiVersion, correlationId, body);
  return w.finish();
}

/**
 * The correlation id of a response frame (size prefix removed), readable before the client
 * knows which request it answers.
 */
export function responseCorrelationId(frame: Uint8Array): number {
  return new Reader(frame).int32();
}

/** Decodes a response frame (size prefix removed) for the request it answers. */
export function decodeResponseFrame<K extends ApiKey>(
  apiKey: K,
  apiVersion: number,
  frame: Uint8Array,
): ResponseFrame<K> {
  const r = new Reader(frame);
  const header = decodeResponseHeader(r, apiKey, apiVersion);
  const body = (info(apiKey) as unknown as ApiInfo<K>).decodeResponse(r, apiVersion);
  checkEnd(r, "response body");
  return { correlationId: header.correlationId, header, body };
}
