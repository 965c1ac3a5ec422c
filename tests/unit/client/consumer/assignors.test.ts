import { describe, expect, test } from "bun:test";
import {
  type GroupAssignment,
  rangeAssignor,
  roundRobinAssignor,
} from "../../../../client/consumer/assignors.ts";
import {
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
} from "../../../../client/consumer/member-protocol.ts";

const plain = (a: GroupAssignment) =>
  Object.fromEntries([...a].map(([m, t]) => [m, Object.fromEntries(t)]));

describe("range assignor (Java RangeAssignor)", () => {
  test("3 partitions over 2 members: the first member takes the extra one", () => {
    const out = rangeAssignor.assign(
      [
        { memberId: "c2", topics: ["t"] },
        { memberId: "c1", topics: ["t"] },
      ],
      new Map([["t", 3]]),
    );
    expect(plain(out)).toEqual({ c1: { t: [0, 1] }, c2: { t: [2] } });
  });

  test("ranges are per topic, so two topics give the first member both extras", () => {
    const out = rangeAssignor.assign(
      [
        { memberId: "a", topics: ["t1", "t2"] },
        { memberId: "b", topics: ["t1", "t2"] },
      ],
      new Map([
        ["t1", 3],
        ["t2", 3],
      ]),
    );
    expect(plain(out)).toEqual({ a: { t1: [0, 1], t2: [0, 1] }, b: { t1: [2], t2: [2] } });
  });

  test("members only get topics they subscribe to; more members than partitions leaves some idle", () => {
    const out = rangeAssignor.assign(
      [
        { memberId: "a", topics: ["t1"] },
        { memberId: "b", topics: ["t1", "t2"] },
        { memberId: "c", topics: ["t2"] },
      ],
      new Map([
        ["t1", 1],
        ["t2", 2],
      ]),
    );
    expect(plain(out)).toEqual({ a: { t1: [0] }, b: { t2: [0] }, c: { t2: [1] } });
  });

  test("static members are ordered by group instance id", () => {
    const out = rangeAssignor.assign(
      [
        { memberId: "a", groupInstanceId: "z", topics: ["t"] },
        { memberId: "b", groupInstanceId: "y", topics: ["t"] },
      ],
      new Map([["t", 2]]),
    );
    expect(plain(out)).toEqual({ a: { t: [1] }, b: { t: [0] } });
  });
});

describe("round robin assignor (Java RoundRobinAssignor)", () => {
  test("partitions of all topics are dealt out in turn", () => {
    const out = roundRobinAssignor.assign(
      [
        { memberId: "c0", topics: ["t0", "t1"] },
        { memberId: "c1", topics: ["t0", "t1"] },
      ],
      new Map([
        ["t0", 3],
        ["t1", 3],
      ]),
    );
    expect(plain(out)).toEqual({ c0: { t0: [0, 2], t1: [1] }, c1: { t0: [1], t1: [0, 2] } });
  });

  test("a member not subscribed to a topic is skipped for it", () => {
    const out = roundRobinAssignor.assign(
      [
        { memberId: "a", topics: ["t0"] },
        { memberId: "b", topics: ["t0", "t1"] },
      ],
      new Map([
        ["t0", 2],
        ["t1", 2],
      ]),
    );
    expect(plain(out)).toEqual({ a: { t0: [0] }, b: { t0: [1], t1: [0, 1] } });
  });

  test("every partition is assigned exactly once", () => {
    const members = Array.from({ length: 5 }, (_, i) => ({
      memberId: `m${i}`,
      topics: ["x", "y"],
    }));
    for (const assignor of [rangeAssignor, roundRobinAssignor]) {
      const out = assignor.assign(
        members,
        new Map([
          ["x", 13],
          ["y", 4],
        ]),
      );
      const seen: string[] = [];
      for (const topics of out.values())
        for (const [t, ps] of topics) for (const p of ps) seen.push(`${t}-${p}`);
      expect(seen.length).toBe(17);
      expect(new Set(seen).size).toBe(17);
    }
  });
});

describe("consumer protocol member metadata", () => {
  test("subscription round-trips, including owned partitions", () => {
    const bytes = encodeSubscription({
      topics: ["a", "b"],
      userData: null,
      ownedPartitions: [{ topic: "a", partitions: [0, 2] }],
    });
    expect(decodeSubscription(bytes)).toEqual({
      topics: ["a", "b"],
      userData: null,
      ownedPartitions: [{ topic: "a", partitions: [0, 2] }],
    });
  });

  test("a version 0 subscription (as older clients send) decodes", () => {
    // version 0, 1 topic "t", null user data
    const v0 = Uint8Array.from([0, 0, 0, 0, 0, 1, 0, 1, 0x74, 0xff, 0xff, 0xff, 0xff]);
    expect(decodeSubscription(v0).topics).toEqual(["t"]);
  });

  test("assignment round-trips; empty bytes mean no partitions", () => {
    const a = { assigned: new Map([["t", [1, 3]]]), userData: Uint8Array.from([9]) };
    expect(decodeAssignment(encodeAssignment(a))).toEqual(a);
    expect(decodeAssignment(new Uint8Array(0)).assigned.size).toBe(0);
  });

  test("truncated metadata is a typed protocol error", () => {
    expect(() => decodeSubscription(Uint8Array.from([0, 1, 0, 0, 0, 5]))).toThrow("");
  });
});
