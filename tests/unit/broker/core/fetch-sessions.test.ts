import { describe, expect, test } from "bun:test";
import { FetchSessionCache } from "../../../../broker/core/fetch-sessions.ts";
import { seededRandom } from "../harness.ts";

const p = (partition: number, fetchOffset = 0) => ({
  topicKey: "t",
  partition,
  fetchOffset,
  maxBytes: 100,
});

describe("fetch session cache", () => {
  test("the least recently used session is evicted when the cache is full", () => {
    const cache = new FetchSessionCache(seededRandom(), 2);
    const a = cache.resolve(0, 0, [p(0)], [], 0);
    const b = cache.resolve(0, 0, [p(1)], [], 1);
    if (a.kind !== "full" || b.kind !== "full") throw new Error("expected full fetches");
    // Using `a` makes `b` the oldest.
    expect(cache.resolve(a.session!.id, 1, [], [], 2).kind).toBe("incremental");
    cache.resolve(0, 0, [p(2)], [], 3);
    expect(cache.resolve(b.session!.id, 1, [], [], 4)).toEqual({
      kind: "error",
      code: "FETCH_SESSION_ID_NOT_FOUND",
    });
    expect(cache.resolve(a.session!.id, 2, [], [], 5).kind).toBe("incremental");
  });

  test("epoch -1 closes a session; incremental requests update and forget partitions", () => {
    const cache = new FetchSessionCache(seededRandom(), 10);
    const full = cache.resolve(0, 0, [p(0), p(1)], [], 0);
    if (full.kind !== "full" || !full.session) throw new Error("expected a new session");
    const id = full.session.id;
    const inc = cache.resolve(id, 1, [p(0, 42)], [{ topicKey: "t", partition: 1 }], 1);
    if (inc.kind !== "incremental") throw new Error("expected incremental");
    expect([...inc.session.partitions.values()].map((s) => [s.partition, s.fetchOffset])).toEqual([
      [0, 42],
    ]);
    expect(cache.resolve(id, -1, [], [], 2)).toEqual({ kind: "full", session: null });
    expect(cache.size).toBe(0);
  });
});
