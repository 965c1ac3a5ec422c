import { describe, expect, test } from "bun:test";
import { defineHandler, HandlerRegistry } from "../../../broker/handlers/registry.ts";
import { withTestProduceDelay } from "../../../broker/runtime/produce-delay.ts";
import { ApiKey } from "../../../protocol/messages/generated/apis.ts";
import type { Clock } from "../../../storage/clock.ts";

/** A clock that moves 1 ms every time it is read, so a busy wait ends deterministically. */
function tickingClock(): Clock & { reads: number } {
  const c = {
    reads: 0,
    nowMs: () => 0,
    monotonicMs: () => c.reads++,
    setTimer: () => ({ cancel() {} }),
    sleep: async () => {},
  };
  return c;
}

function registry(calls: string[]) {
  return new HandlerRegistry([
    defineHandler({
      apiKey: ApiKey.Produce,
      minVersion: 3,
      maxVersion: 9,
      handle: () => {
        calls.push("produce");
        return null;
      },
    }),
    defineHandler({
      apiKey: ApiKey.ApiVersions,
      minVersion: 0,
      maxVersion: 3,
      handle: () => {
        calls.push("apiVersions");
        return null;
      },
    }),
  ]);
}

const request = {
  transactionalId: null,
  acks: -1,
  timeoutMs: 1000,
  topicData: [
    {
      name: "t",
      partitionData: [
        { index: 0, records: null },
        { index: 1, records: null },
      ],
    },
  ],
};

describe("test-only produce slowdown", () => {
  test("unset (or not a positive number), the registry is served untouched", () => {
    const r = registry([]);
    const clock = tickingClock();
    expect(withTestProduceDelay(r, clock, {})).toBe(r);
    expect(withTestProduceDelay(r, clock, { DATACORE_TEST_PRODUCE_DELAY_MS: "0" })).toBe(r);
    expect(withTestProduceDelay(r, clock, { DATACORE_TEST_PRODUCE_DELAY_MS: "x" })).toBe(r);
  });

  test("set, Produce busy-waits the delay per partition batch, then runs the real handler", () => {
    const calls: string[] = [];
    const clock = tickingClock();
    const slowed = withTestProduceDelay(registry(calls), clock, {
      DATACORE_TEST_PRODUCE_DELAY_MS: "5",
    });
    const produce = slowed.get(ApiKey.Produce)!;
    produce.handle({} as never, request as never);
    // Two partitions × 5 ms, read on a clock that ticks once per read.
    expect(clock.reads).toBeGreaterThanOrEqual(10);
    expect(calls).toEqual(["produce"]);
    expect(slowed.versions()).toEqual(registry([]).versions());
  });

  test("other APIs are not slowed", () => {
    const calls: string[] = [];
    const clock = tickingClock();
    const slowed = withTestProduceDelay(registry(calls), clock, {
      DATACORE_TEST_PRODUCE_DELAY_MS: "5",
    });
    slowed.get(ApiKey.ApiVersions)!.handle({} as never, {} as never);
    expect(clock.reads).toBe(0);
    expect(calls).toEqual(["apiVersions"]);
  });
});
