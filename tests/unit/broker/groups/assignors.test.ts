/**
 * Properties of the KIP-848 server-side assignors over random groups: every subscribed
 * partition goes to exactly one subscriber, uniform balances identical subscriptions to
 * within one partition and keeps partitions where they are, range gives contiguous blocks.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
  type AssignmentSpec,
  rangeAssign,
  type TopicAssignment,
  uniformAssign,
} from "../../../../broker/groups/assignors.ts";

const specArb = fc
  .record({
    topics: fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 4 }),
    members: fc.integer({ min: 1, max: 7 }),
    homogeneous: fc.boolean(),
    seed: fc.array(fc.boolean(), { minLength: 28, maxLength: 28 }),
  })
  .map(({ topics, members, homogeneous, seed }): AssignmentSpec => {
    const topicMap = new Map(topics.map((n, i) => [`t${i}`, n]));
    return {
      topics: topicMap,
      members: Array.from({ length: members }, (_, m) => ({
        memberId: `m${m}`,
        topics: new Set(
          homogeneous
            ? topicMap.keys()
            : [...topicMap.keys()].filter(
                (_, i) => seed[(m * 4 + i) % 28] || i === m % topics.length,
              ),
        ),
        current: new Map(),
      })),
    };
  });

function checkCoverage(spec: AssignmentSpec, result: Map<string, TopicAssignment>): void {
  const owners = new Map<string, string>();
  for (const [member, a] of result) {
    const subs = spec.members.find((m) => m.memberId === member)!.topics;
    for (const [topic, ps] of a) {
      expect(subs.has(topic)).toBe(true);
      for (const p of ps) {
        const key = `${topic}:${p}`;
        expect(owners.has(key)).toBe(false);
        expect(p).toBeLessThan(spec.topics.get(topic)!);
        owners.set(key, member);
      }
    }
  }
  for (const [topic, n] of spec.topics) {
    const subscribed = spec.members.some((m) => m.topics.has(topic));
    for (let p = 0; p < n; p++) expect(owners.has(`${topic}:${p}`)).toBe(subscribed);
  }
}

const count = (a: TopicAssignment | undefined) =>
  [...(a?.values() ?? [])].reduce((n, s) => n + s.size, 0);

describe("uniform assignor", () => {
  test("covers every subscribed partition exactly once, only to subscribers", () => {
    fc.assert(
      fc.property(specArb, (spec) => checkCoverage(spec, uniformAssign(spec))),
      { numRuns: 300 },
    );
  });

  test("identical subscriptions: member counts differ by at most one", () => {
    fc.assert(
      fc.property(specArb, (spec) => {
        const homogeneous = spec.members.every((m) => m.topics.size === spec.topics.size);
        fc.pre(homogeneous);
        const counts = [...uniformAssign(spec).values()].map(count);
        expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
      }),
      { numRuns: 300 },
    );
  });

  test("sticky: an unchanged group keeps its assignment; a new member takes only its share", () => {
    fc.assert(
      fc.property(specArb, (spec) => {
        const first = uniformAssign(spec);
        const again = uniformAssign({
          ...spec,
          members: spec.members.map((m) => ({ ...m, current: first.get(m.memberId)! })),
        });
        for (const [id, a] of first) expect(again.get(id)).toEqual(a);
        const homogeneous = spec.members.every((m) => m.topics.size === spec.topics.size);
        if (!homogeneous) return;
        const grown = uniformAssign({
          topics: spec.topics,
          members: [
            ...spec.members.map((m) => ({ ...m, current: first.get(m.memberId)! })),
            { memberId: "new", topics: new Set(spec.topics.keys()), current: new Map() },
          ],
        });
        let moved = 0;
        for (const [id, a] of first) {
          for (const [t, ps] of a) for (const p of ps) if (!grown.get(id)?.get(t)?.has(p)) moved++;
        }
        // Only partitions the newcomer receives change hands.
        expect(moved).toBe(count(grown.get("new")));
      }),
      { numRuns: 300 },
    );
  });
});

describe("range assignor", () => {
  test("covers every subscribed partition exactly once, in contiguous per-topic ranges by member id", () => {
    fc.assert(
      fc.property(specArb, (spec) => {
        const result = rangeAssign(spec);
        checkCoverage(spec, result);
        for (const a of result.values()) {
          for (const ps of a.values()) {
            const sorted = [...ps].sort((x, y) => x - y);
            expect(sorted[sorted.length - 1]! - sorted[0]!).toBe(sorted.length - 1);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  test("6 partitions over members a, b, c, d: 2, 2, 1, 1 in member-id order", () => {
    const topics = new Map([["t", 6]]);
    const members = ["d", "b", "a", "c"].map((id) => ({
      memberId: id,
      topics: new Set(["t"]),
      current: new Map(),
    }));
    const r = rangeAssign({ topics, members });
    expect([...r.get("a")!.get("t")!]).toEqual([0, 1]);
    expect([...r.get("b")!.get("t")!]).toEqual([2, 3]);
    expect([...r.get("c")!.get("t")!]).toEqual([4]);
    expect([...r.get("d")!.get("t")!]).toEqual([5]);
  });
});
