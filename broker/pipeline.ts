/**
 * The request pipeline: frame → header → handler lookup by API key and version →
 * authorize → handle → encode. It is a `FrameHandler`, so the TCP listener and the
 * simulator drive the same code.
 *
 * Error kinds (STYLE.md): a Kafka-level failure is an error code inside the response,
 * produced by the handler; a frame we cannot decode, an unknown API key or a version no
 * handler serves is logged and the connection closed (Kafka does the same, except that
 * ApiVersions always gets an answer: KIP-511 clients send their newest version first and
 * expect UNSUPPORTED_VERSION with our ranges in a v0 body).
 */
import { ProtocolError } from "../protocol/codec/errors.ts";
import { Reader } from "../protocol/codec/reader.ts";
import { ErrorCode } from "../protocol/errors.ts";
import { encodeResponseFrame } from "../protocol/messages/frame.ts";
import { ApiKey, apiInfo } from "../protocol/messages/generated/apis.ts";
import { decodeRequestHeader } from "../protocol/messages/headers.ts";
import type { BrokerCore } from "./core/broker-core.ts";
import type { HandlerRegistry, RequestContext } from "./handlers/registry.ts";
import type { Logger } from "./logger.ts";
import type { ConnectionInfo, FrameHandler, FrameOutcome } from "./network/transport.ts";

/** The ACL seam: return false to answer *_AUTHORIZATION_FAILED. Allow-all until ACLs land. */
export type Authorizer = (apiKey: number, ctx: RequestContext) => boolean;
export const allowAll: Authorizer = () => true;

export function createPipeline(
  core: BrokerCore,
  registry: HandlerRegistry,
  logger: Logger,
): FrameHandler {
  return (frame, connection) => handleFrame(core, registry, logger, frame, connection);
}

function close(reason: string): FrameOutcome {
  return { kind: "close", reason };
}

function handleFrame(
  core: BrokerCore,
  registry: HandlerRegistry,
  logger: Logger,
  frame: Uint8Array,
  connection: ConnectionInfo,
): FrameOutcome | Promise<FrameOutcome> {
  const r = new Reader(frame);
  let apiKey: number;
  let apiVersion: number;
  let correlationId: number;
  let clientId: string | null;
  try {
    const header = decodeRequestHeader(r);
    apiKey = header.requestApiKey;
    apiVersion = header.requestApiVersion;
    correlationId = header.correlationId;
    clientId = header.clientId;
  } catch (err) {
    return close(`malformed request header: ${describe(err)}`);
  }
  const handler = registry.get(apiKey);
  if (!registry.supports(apiKey, apiVersion)) {
    if (apiKey === ApiKey.ApiVersions) return unsupportedApiVersions(registry, correlationId);
    const name = apiInfo(apiKey)?.name ?? "unknown";
    return close(
      handler
        ? `${name} v${apiVersion} is not supported (${handler.minVersion}-${handler.maxVersion})`
        : `api key ${apiKey} (${name}) is not supported`,
    );
  }
  const info = apiInfo(apiKey)!;
  let body: unknown;
  try {
    body = info.decodeRequest(r, apiVersion);
    if (r.remaining !== 0)
      throw new ProtocolError("invalid_length", `${r.remaining} trailing bytes`);
  } catch (err) {
    return close(`malformed ${info.name} v${apiVersion} request: ${describe(err)}`);
  }
  const ctx: RequestContext = { core, connection, apiVersion, correlationId, clientId, registry };
  const encode = (response: unknown): FrameOutcome => {
    if (response === null) return { kind: "none" };
    try {
      return {
        kind: "response",
        frame: encodeResponseFrame(apiKey as ApiKey, apiVersion, correlationId, response as never),
      };
    } catch (err) {
      return fail(err);
    }
  };
  const fail = (err: unknown): FrameOutcome => {
    // A handler must turn Kafka-level failures into error codes; an exception is a bug.
    logger.error("handler failed", {
      api: info.name,
      version: apiVersion,
      client_id: clientId,
      error: err instanceof Error ? (err.stack ?? err.message) : String(err),
    });
    return close(`${info.name} handler failed`);
  };
  try {
    const result = handler!.handle(ctx, body as never);
    if (result instanceof Promise) return result.then(encode, fail);
    return encode(result);
  } catch (err) {
    return fail(err);
  }
}

/** KIP-511: a v0 ApiVersions body (readable by any client) naming our ranges. */
function unsupportedApiVersions(registry: HandlerRegistry, correlationId: number): FrameOutcome {
  return {
    kind: "response",
    frame: encodeResponseFrame(ApiKey.ApiVersions, 0, correlationId, {
      errorCode: ErrorCode.UNSUPPORTED_VERSION,
      apiKeys: registry.versions(),
    }),
  };
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
