/**
 * The table of request handlers: one module per API under broker/handlers/, each declaring
 * the versions it implements. ApiVersions answers from this table, so a version is
 * advertised only when a handler serves it (STYLE.md, after franz-go's kfake).
 */
import type { Input } from "../../protocol/codec/generated-support.ts";
import {
  API_TABLE,
  type ApiKey,
  type ApiRequestMap,
  type ApiResponseMap,
} from "../../protocol/messages/generated/apis.ts";
import type { BrokerCore } from "../core/broker-core.ts";
import type { ConnectionInfo } from "../network/transport.ts";

export interface RequestContext {
  readonly core: BrokerCore;
  readonly connection: ConnectionInfo;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
  readonly registry: HandlerRegistry;
}

/** A handler's answer: the response body, or null for "send nothing" (Produce acks=0). */
export type HandlerResult<K extends ApiKey> =
  | Input<ApiResponseMap[K]>
  | null
  | Promise<Input<ApiResponseMap[K]> | null>;

export interface ApiHandler<K extends ApiKey = ApiKey> {
  readonly apiKey: K;
  /** Versions this handler implements (within the codec's range). */
  readonly minVersion: number;
  readonly maxVersion: number;
  /**
   * Kafka-level failures are error codes in the returned body; throwing is reserved for
   * bugs (the pipeline then logs and closes the connection).
   */
  handle(ctx: RequestContext, request: ApiRequestMap[K]): HandlerResult<K>;
}

export function defineHandler<K extends ApiKey>(handler: ApiHandler<K>): ApiHandler<K> {
  const info = API_TABLE[handler.apiKey];
  if (handler.minVersion < info.minVersion || handler.maxVersion > info.maxVersion) {
    throw new Error(
      `${info.name} handler claims ${handler.minVersion}-${handler.maxVersion}, codec has ${info.minVersion}-${info.maxVersion}`,
    );
  }
  return handler;
}

export class HandlerRegistry {
  private readonly handlers = new Map<number, ApiHandler>();

  constructor(handlers: readonly ApiHandler[]) {
    for (const h of handlers) {
      if (this.handlers.has(h.apiKey)) throw new Error(`two handlers for api key ${h.apiKey}`);
      this.handlers.set(h.apiKey, h);
    }
  }

  get(apiKey: number): ApiHandler | undefined {
    return this.handlers.get(apiKey);
  }

  supports(apiKey: number, version: number): boolean {
    const h = this.handlers.get(apiKey);
    return h !== undefined && version >= h.minVersion && version <= h.maxVersion;
  }

  /** What ApiVersions advertises, ascending by key. */
  versions(): { apiKey: number; minVersion: number; maxVersion: number }[] {
    return [...this.handlers.values()]
      .map((h) => ({ apiKey: h.apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion }))
      .sort((a, b) => a.apiKey - b.apiKey);
  }
}
