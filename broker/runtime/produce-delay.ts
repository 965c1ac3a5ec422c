/**
 * A test-only slowdown for the performance gate: with DATACORE_TEST_PRODUCE_DELAY_MS set,
 * the Produce handler burns that many milliseconds of the event loop per partition batch
 * before handling the request, so `datacore bench gate` can be shown to fail on a real
 * regression. It models added CPU cost on the produce path: a busy wait (measured on the
 * injected Clock) holds the loop the way slower code would, where a timer would only add
 * latency that pipelined producers hide. Unset, the registry is returned untouched, so
 * production pays nothing.
 */

import { ApiKey } from "../../protocol/messages/generated/apis.ts";
import type { Clock } from "../../storage/clock.ts";
import { type ApiHandler, HandlerRegistry } from "../handlers/registry.ts";

export const PRODUCE_DELAY_ENV = "DATACORE_TEST_PRODUCE_DELAY_MS";

/** The registry to serve, slowed when the environment asks for it. */
export function withTestProduceDelay(
  registry: HandlerRegistry,
  clock: Clock,
  env: Record<string, string | undefined>,
): HandlerRegistry {
  const delayMs = Number(env[PRODUCE_DELAY_ENV] ?? "");
  if (!Number.isFinite(delayMs) || delayMs <= 0) return registry;
  const handlers = registry.versions().map((v) => registry.get(v.apiKey)!);
  return new HandlerRegistry(
    handlers.map((h) =>
      h.apiKey === ApiKey.Produce
        ? slowed(h as ApiHandler<typeof ApiKey.Produce>, clock, delayMs)
        : h,
    ),
  );
}

function slowed(
  inner: ApiHandler<typeof ApiKey.Produce>,
  clock: Clock,
  delayMs: number,
): ApiHandler<typeof ApiKey.Produce> {
  return {
    ...inner,
    handle(ctx, request) {
      let batches = 0;
      for (const t of request.topicData) batches += t.partitionData.length;
      const until = clock.monotonicMs() + delayMs * batches;
      while (clock.monotonicMs() < until) {
        // Busy: the slowdown must cost CPU, not just wall time.
      }
      return inner.handle(ctx, request);
    },
  };
}
