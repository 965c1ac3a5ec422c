/**
 * The classic group state machine on a manual clock: join, sync, heartbeat, leave,
 * session and rebalance timeouts, static membership, and the errors a bad request gets —
 * after each of which the group is exactly as it was.
 */
import { describe, expect, test } from "bun:test";
import type { JoinRequest } from "../../../../broker/groups/classic.ts";
import type { ClassicGroup, JoinResult } from "../../../../broker/groups/classic-group.ts";
import type { GroupCoordinator } from "../../../../broker/groups/coordinator.ts";
import { ErrorCode } from "../../../../protocol/errors.ts";
import { type Fixture, fixture, joinRequest, settle, subscription } from "./fixture.ts";

const te = new TextEncoder();

async function joinAll(c: GroupCoordinator, reqs: JoinRequest[]): Promise<JoinResult[]> {
  const ids: string[] = [];
  for (const r of reqs) {
    const first = await c.joinGroup(r);
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    ids.push(first.memberId);
  }
  return Promise.all(reqs.map((r, i) => c.joinGroup({ ...r, memberId: ids[i]! })));
}

/** Joins `n` members and completes the sync; returns their ids, leader first. */
async function stableGroup(
  f: Fixture,
  n: number,
  over: Partial<JoinRequest> = {},
): Promise<string[]> {
  const c = f.coordinator;
  const joins = await joinAll(
    c,
    Array.from({ length: n }, () => joinRequest(over)),
  );
  const leader = joins.find((j) => j.members.length > 0)!;
  const syncs = joins.map((j) =>
    c.syncGroup({
      groupId: over.groupId ?? "g",
      generationId: j.generationId,
      memberId: j.memberId,
      groupInstanceId: over.groupInstanceId ?? null,
      protocolType: "consumer",
      protocolName: "range",
      assignments:
        j.memberId === leader.memberId
          ? joins.map((m) => ({ memberId: m.memberId, assignment: te.encode(`for ${m.memberId}`) }))
          : [],
    }),
  );
  for (const s of await Promise.all(syncs)) expect(s.errorCode).toBe(ErrorCode.NONE);
  return [leader.memberId, ...joins.map((j) => j.memberId).filter((id) => id !== leader.memberId)];
}

function classic(c: GroupCoordinator, id = "g"): ClassicGroup {
  const g = c.group(id);
  if (g?.type !== "classic") throw new Error("not a classic group");
  return g;
}

describe("classic groups: join and sync", () => {
  test("v4+: the first JoinGroup gets MEMBER_ID_REQUIRED with an id; joining with it makes a generation-1 leader", async () => {
    const f = await fixture();
    const first = await f.coordinator.joinGroup(joinRequest());
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(first.memberId).toStartWith("client-");
    const second = await f.coordinator.joinGroup(joinRequest({ memberId: first.memberId }));
    expect(second.errorCode).toBe(ErrorCode.NONE);
    expect(second.generationId).toBe(1);
    expect(second.leader).toBe(first.memberId);
    expect(second.protocolName).toBe("range");
    expect(second.members.map((m) => m.memberId)).toEqual([first.memberId]);
  });

  test("v3 and older join directly, without the member-id round trip", async () => {
    const f = await fixture();
    const r = await f.coordinator.joinGroup(joinRequest({ apiVersion: 3 }));
    expect(r.errorCode).toBe(ErrorCode.NONE);
    expect(r.memberId).toStartWith("client-");
  });

  test("three members: the leader sees all three subscriptions, followers none; SyncGroup hands each its assignment", async () => {
    const f = await fixture();
    const joins = await joinAll(f.coordinator, [joinRequest(), joinRequest(), joinRequest()]);
    const leaders = joins.filter((j) => j.members.length === 3);
    expect(leaders).toHaveLength(1);
    expect(new Set(joins.map((j) => j.generationId))).toEqual(new Set([1]));
    expect(leaders[0]!.members[0]!.metadata).toEqual(subscription(["orders"]));
    const ids = await stableGroupFromJoins(f, joins);
    expect(classic(f.coordinator).state).toBe("Stable");
    for (const id of ids) expect(f.coordinator.heartbeat("g", id, null, 1)).toBe(ErrorCode.NONE);
  });

  test("the assignment is durable before anyone gets it: a failed write answers an error and rebalances", async () => {
    const f = await fixture();
    const [join] = await joinAll(f.coordinator, [joinRequest()]);
    f.log.failAppends = 1;
    const sync = await f.coordinator.syncGroup({
      groupId: "g",
      generationId: 1,
      memberId: join!.memberId,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [{ memberId: join!.memberId, assignment: te.encode("a") }],
    });
    expect(sync.errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect(classic(f.coordinator).state).toBe("PreparingRebalance");
  });

  test("protocol selection: the protocol all members support that most of them prefer", async () => {
    const f = await fixture();
    const a = joinRequest({
      protocols: [
        { name: "range", metadata: new Uint8Array(1) },
        { name: "roundrobin", metadata: new Uint8Array(2) },
      ],
    });
    const b = joinRequest({
      protocols: [
        { name: "roundrobin", metadata: new Uint8Array(3) },
        { name: "range", metadata: new Uint8Array(4) },
      ],
    });
    const c = joinRequest({
      protocols: [
        { name: "sticky", metadata: new Uint8Array(5) },
        { name: "roundrobin", metadata: new Uint8Array(6) },
        { name: "range", metadata: new Uint8Array(7) },
      ],
    });
    const joins = await joinAll(f.coordinator, [a, b, c]);
    expect(joins[0]!.protocolName).toBe("roundrobin");
    const leader = joins.find((j) => j.members.length > 0)!;
    expect(leader.members.map((m) => m.metadata.length).sort()).toEqual([2, 3, 6]);
  });

  test("a member sharing no protocol with the group gets INCONSISTENT_GROUP_PROTOCOL; the group is untouched", async () => {
    const f = await fixture();
    await stableGroup(f, 2);
    const before = snapshot(classic(f.coordinator));
    const r = await f.coordinator.joinGroup(
      joinRequest({ apiVersion: 3, protocols: [{ name: "other", metadata: new Uint8Array(0) }] }),
    );
    expect(r.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const r2 = await f.coordinator.joinGroup(
      joinRequest({ apiVersion: 3, protocolType: "connect" }),
    );
    expect(r2.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect(snapshot(classic(f.coordinator))).toEqual(before);
  });

  test("group.initial.rebalance.delay.ms: members arriving within the delay share the first generation", async () => {
    const f = await fixture({ initialRebalanceDelayMs: 3000 });
    const c = f.coordinator;
    const p1 = c.joinGroup(joinRequest({ apiVersion: 3 }));
    f.clock.advance(2000);
    const p2 = c.joinGroup(joinRequest({ apiVersion: 3 }));
    f.clock.advance(2000);
    let done = false;
    Promise.all([p1, p2]).then(() => {
      done = true;
    });
    await settle();
    expect(done).toBe(false); // the second join extended the delay
    f.clock.advance(3000);
    const [r1, r2] = await Promise.all([p1, p2]);
    expect(r1.generationId).toBe(1);
    expect(r2.generationId).toBe(1);
    expect(Math.max(r1.members.length, r2.members.length)).toBe(2);
  });
});

async function stableGroupFromJoins(f: Fixture, joins: JoinResult[]): Promise<string[]> {
  const leader = joins.find((j) => j.members.length > 0)!;
  const syncs = await Promise.all(
    joins.map((j) =>
      f.coordinator.syncGroup({
        groupId: "g",
        generationId: j.generationId,
        memberId: j.memberId,
        groupInstanceId: null,
        protocolType: "consumer",
        protocolName: "range",
        assignments:
          j === leader
            ? joins.map((m) => ({ memberId: m.memberId, assignment: te.encode(m.memberId) }))
            : [],
      }),
    ),
  );
  syncs.forEach((s, i) => {
    expect(s.errorCode).toBe(ErrorCode.NONE);
    expect(new TextDecoder().decode(s.assignment)).toBe(joins[i]!.memberId);
  });
  return joins.map((j) => j.memberId);
}

function snapshot(g: ClassicGroup) {
  return {
    state: g.state,
    generation: g.generationId,
    leader: g.leaderId,
    protocol: g.protocolName,
    members: [...g.members.keys()].sort(),
    assignments: [...g.members.values()].map((m) => [...m.assignment]),
  };
}

describe("classic groups: bad requests leave the group as it was", () => {
  test("wrong generation → ILLEGAL_GENERATION, unknown member → UNKNOWN_MEMBER_ID, empty group id → INVALID_GROUP_ID", async () => {
    const f = await fixture();
    const c = f.coordinator;
    const [leader] = await stableGroup(f, 2);
    const before = snapshot(classic(c));
    expect(c.heartbeat("g", leader!, null, 7)).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(c.heartbeat("g", "nobody", null, 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(c.heartbeat("", leader!, null, 1)).toBe(ErrorCode.INVALID_GROUP_ID);
    expect(c.heartbeat("other-group", leader!, null, 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const sync = (generationId: number, memberId: string) =>
      c.syncGroup({
        groupId: "g",
        generationId,
        memberId,
        groupInstanceId: null,
        protocolType: null,
        protocolName: null,
        assignments: [],
      });
    expect((await sync(0, leader!)).errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect((await sync(1, "nobody")).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(
      (
        await c.syncGroup({
          groupId: "g",
          generationId: 1,
          memberId: leader!,
          groupInstanceId: null,
          protocolType: "consumer",
          protocolName: "roundrobin",
          assignments: [],
        })
      ).errorCode,
    ).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect((await c.joinGroup(joinRequest({ memberId: "nobody" }))).errorCode).toBe(
      ErrorCode.UNKNOWN_MEMBER_ID,
    );
    expect((await c.joinGroup(joinRequest({ groupId: "" }))).errorCode).toBe(
      ErrorCode.INVALID_GROUP_ID,
    );
    expect((await c.joinGroup(joinRequest({ sessionTimeoutMs: 10 }))).errorCode).toBe(
      ErrorCode.INVALID_SESSION_TIMEOUT,
    );
    const commit = await c.commitOffsets({
      groupId: "g",
      generationIdOrMemberEpoch: 5,
      memberId: leader!,
      groupInstanceId: null,
      retentionTimeMs: -1,
      topics: [
        {
          name: "orders",
          partitions: [
            { partition: 0, offset: 10, leaderEpoch: -1, metadata: null, commitTimestamp: -1 },
          ],
        },
      ],
      apiVersion: 8,
    });
    expect(commit[0]!.partitions[0]!.errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(c.leaveGroup("g", [{ memberId: "nobody", groupInstanceId: null }]).members).toEqual([
      ErrorCode.UNKNOWN_MEMBER_ID,
    ]);
    expect(snapshot(classic(c))).toEqual(before);
    expect(
      c.fetchOffsets("g", [{ name: "orders", partitions: [0] }]).topics[0]!.partitions[0]!.offset,
    ).toBe(-1);
    expect(c.group("")).toBeUndefined();
  });

  test("group max size: the extra member gets GROUP_MAX_SIZE_REACHED, the others stay", async () => {
    const f = await fixture({ maxGroupSize: 2 });
    await stableGroup(f, 2);
    const before = snapshot(classic(f.coordinator));
    expect((await f.coordinator.joinGroup(joinRequest())).errorCode).toBe(
      ErrorCode.GROUP_MAX_SIZE_REACHED,
    );
    expect(snapshot(classic(f.coordinator))).toEqual(before);
  });

  test("offset metadata over offset.metadata.max.bytes → OFFSET_METADATA_TOO_LARGE for that partition only", async () => {
    const f = await fixture({ offsetMetadataMaxBytes: 10 });
    const r = await f.coordinator.commitOffsets({
      groupId: "simple",
      generationIdOrMemberEpoch: -1,
      memberId: "",
      groupInstanceId: null,
      retentionTimeMs: -1,
      topics: [
        {
          name: "orders",
          partitions: [
            {
              partition: 0,
              offset: 5,
              leaderEpoch: 3,
              metadata: "x".repeat(11),
              commitTimestamp: -1,
            },
            { partition: 1, offset: 6, leaderEpoch: 3, metadata: "short", commitTimestamp: -1 },
          ],
        },
      ],
      apiVersion: 8,
    });
    expect(r[0]!.partitions.map((p) => p.errorCode)).toEqual([
      ErrorCode.OFFSET_METADATA_TOO_LARGE,
      ErrorCode.NONE,
    ]);
    const fetched = f.coordinator.fetchOffsets("simple", null);
    expect(fetched.topics).toEqual([
      {
        name: "orders",
        partitions: [{ partition: 1, offset: 6, leaderEpoch: 3, metadata: "short", errorCode: 0 }],
      },
    ]);
  });
});

describe("classic groups: timeouts", () => {
  test("a member that stops heartbeating is removed after its session timeout and the group rebalances without it", async () => {
    const f = await fixture();
    const c = f.coordinator;
    const [a, b] = await stableGroup(f, 2);
    for (let t = 0; t < 9; t++) {
      f.clock.advance(1000);
      expect(c.heartbeat("g", a!, null, 1)).toBe(ErrorCode.NONE);
    }
    f.clock.advance(1001); // b's 10 s session is over
    expect(classic(c).members.has(b!)).toBe(false);
    expect(classic(c).state).toBe("PreparingRebalance");
    expect(c.heartbeat("g", a!, null, 1)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const rejoin = await c.joinGroup(joinRequest({ memberId: a! }));
    expect(rejoin.generationId).toBe(2);
    expect(rejoin.members.map((m) => m.memberId)).toEqual([a!]);
  });

  test("a member that does not rejoin within the rebalance timeout is dropped; the others move on", async () => {
    const f = await fixture();
    const c = f.coordinator;
    const [a, b] = await stableGroup(f, 2, {
      rebalanceTimeoutMs: 20_000,
      sessionTimeoutMs: 30_000,
    });
    const pending = c.joinGroup(
      joinRequest({ memberId: a!, rebalanceTimeoutMs: 20_000, sessionTimeoutMs: 30_000 }),
    );
    await settle();
    expect(classic(c).state).toBe("PreparingRebalance");
    f.clock.advance(20_000);
    const r = await pending;
    expect(r.generationId).toBe(2);
    expect(classic(c).members.has(b!)).toBe(false);
    expect(c.heartbeat("g", b!, null, 1)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  test("pending member ids (MEMBER_ID_REQUIRED) expire after the session timeout", async () => {
    const f = await fixture();
    const first = await f.coordinator.joinGroup(joinRequest());
    expect(classic(f.coordinator).pendingMembers.size).toBe(1);
    f.clock.advance(10_001);
    expect(classic(f.coordinator).pendingMembers.size).toBe(0);
    expect(
      (await f.coordinator.joinGroup(joinRequest({ memberId: first.memberId }))).errorCode,
    ).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });
});

describe("classic groups: leaving and static membership", () => {
  test("LeaveGroup: the remaining member rebalances alone; when it leaves too the group is Empty", async () => {
    const f = await fixture();
    const c = f.coordinator;
    const [a, b] = await stableGroup(f, 2);
    expect(c.leaveGroup("g", [{ memberId: b!, groupInstanceId: null }])).toEqual({
      errorCode: 0,
      members: [0],
    });
    expect(classic(c).state).toBe("PreparingRebalance");
    const r = await c.joinGroup(joinRequest({ memberId: a! }));
    expect(r.generationId).toBe(2);
    c.leaveGroup("g", [{ memberId: a!, groupInstanceId: null }]);
    expect(classic(c).state).toBe("Empty");
    expect(classic(c).generationId).toBe(3);
  });

  test("KIP-345: a restarted static member gets its old assignment back without a rebalance; the old id is fenced", async () => {
    const f = await fixture({ initialRebalanceDelayMs: 3000 });
    const c = f.coordinator;
    const joining = Promise.all([
      c.joinGroup(joinRequest({ groupInstanceId: "i-1" })),
      c.joinGroup(joinRequest({ groupInstanceId: "i-2" })),
    ]);
    f.clock.advance(6000); // the second member extended the initial delay once
    const joins = await joining;
    const leader = joins.find((j) => j.members.length > 0)!;
    await Promise.all(
      joins.map((j) =>
        c.syncGroup({
          groupId: "g",
          generationId: 1,
          memberId: j.memberId,
          groupInstanceId: j === joins[0] ? "i-1" : "i-2",
          protocolType: null,
          protocolName: null,
          assignments:
            j === leader
              ? joins.map((m, i) => ({ memberId: m.memberId, assignment: te.encode(`p${i}`) }))
              : [],
        }),
      ),
    );
    const old = joins[1]!.memberId;
    // i-2 restarts: it joins with no member id and its instance id.
    const back = await c.joinGroup(joinRequest({ groupInstanceId: "i-2" }));
    expect(back.errorCode).toBe(ErrorCode.NONE);
    expect(back.generationId).toBe(1);
    expect(back.memberId).not.toBe(old);
    expect(classic(c).state).toBe("Stable");
    const sync = await c.syncGroup({
      groupId: "g",
      generationId: 1,
      memberId: back.memberId,
      groupInstanceId: "i-2",
      protocolType: null,
      protocolName: null,
      assignments: [],
    });
    expect(new TextDecoder().decode(sync.assignment)).toBe("p1");
    expect(c.heartbeat("g", old, "i-2", 1)).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect(c.heartbeat("g", back.memberId, "i-2", 1)).toBe(ErrorCode.NONE);
    expect(classic(c).generationId).toBe(1);
  });
});

describe("classic groups: durability", () => {
  test("after a restart the coordinator has the same groups, members, assignments and offsets", async () => {
    const f = await fixture();
    const c = f.coordinator;
    const [a, b] = await stableGroup(f, 2);
    await c.commitOffsets({
      groupId: "g",
      generationIdOrMemberEpoch: 1,
      memberId: a!,
      groupInstanceId: null,
      retentionTimeMs: -1,
      topics: [
        {
          name: "orders",
          partitions: [0, 1, 2].map((p) => ({
            partition: p,
            offset: 100 + p,
            leaderEpoch: 0,
            metadata: `m${p}`,
            commitTimestamp: -1,
          })),
        },
      ],
      apiVersion: 8,
    });
    const before = snapshot(classic(c));
    const next = await f.restart();
    expect(snapshot(classic(next))).toEqual(before);
    expect(next.fetchOffsets("g", null)).toEqual(c.fetchOffsets("g", null));
    expect(next.heartbeat("g", b!, null, 1)).toBe(ErrorCode.NONE);
    expect(next.listGroups([], [])).toEqual([
      { groupId: "g", protocolType: "consumer", state: "Stable", type: "classic" },
    ]);
  });

  test("offsets of an empty group expire after offsets.retention.minutes: tombstones written, group gone", async () => {
    const f = await fixture({ offsetsRetentionMs: 60_000 });
    const c = f.coordinator;
    await c.commitOffsets({
      groupId: "simple",
      generationIdOrMemberEpoch: -1,
      memberId: "",
      groupInstanceId: null,
      retentionTimeMs: -1,
      topics: [
        {
          name: "orders",
          partitions: [
            { partition: 0, offset: 1, leaderEpoch: -1, metadata: null, commitTimestamp: -1 },
          ],
        },
      ],
      apiVersion: 8,
    });
    f.clock.advance(30_000);
    expect(await c.expireOffsets()).toBe(0);
    f.clock.advance(31_000);
    expect(await c.expireOffsets()).toBe(1);
    expect(c.group("simple")).toBeUndefined();
    const next = await f.restart();
    expect(next.group("simple")).toBeUndefined();
    expect(next.fetchOffsets("simple", null).topics).toEqual([]);
  });

  test("the retention check deletes an empty group that has no offsets, and only that one", async () => {
    const f = await fixture();
    const c = f.coordinator;
    const [a] = await stableGroup(f, 1);
    expect(await c.expireOffsets()).toBe(0);
    expect(c.group("g")).toBeDefined(); // live
    c.leaveGroup("g", [{ memberId: a!, groupInstanceId: null }]);
    await settle();
    await c.expireOffsets();
    expect(c.group("g")).toBeUndefined();
    expect((await f.restart()).group("g")).toBeUndefined();
  });

  test("a commit still being written when its group is deleted stays deleted, in memory as in the log", async () => {
    const f = await fixture();
    const c = f.coordinator;
    const committing = c.commitOffsets({
      groupId: "simple",
      generationIdOrMemberEpoch: -1,
      memberId: "",
      groupInstanceId: null,
      retentionTimeMs: -1,
      topics: [
        {
          name: "orders",
          partitions: [
            { partition: 0, offset: 5, leaderEpoch: -1, metadata: null, commitTimestamp: -1 },
          ],
        },
      ],
      apiVersion: 8,
    });
    const deleting = c.deleteGroups(["simple"]);
    await Promise.all([committing, deleting]);
    expect(c.fetchOffsets("simple", null).topics).toEqual([]);
    expect((await f.restart()).fetchOffsets("simple", null).topics).toEqual([]);
  });

  test("DeleteGroups: a live group is NON_EMPTY_GROUP, an empty one is deleted with its offsets for good", async () => {
    const f = await fixture();
    const c = f.coordinator;
    const [a] = await stableGroup(f, 1);
    await c.commitOffsets({
      groupId: "g",
      generationIdOrMemberEpoch: 1,
      memberId: a!,
      groupInstanceId: null,
      retentionTimeMs: -1,
      topics: [
        {
          name: "orders",
          partitions: [
            { partition: 0, offset: 9, leaderEpoch: -1, metadata: null, commitTimestamp: -1 },
          ],
        },
      ],
      apiVersion: 8,
    });
    expect(await c.deleteGroups(["g", "missing", ""])).toEqual([
      ErrorCode.NON_EMPTY_GROUP,
      ErrorCode.GROUP_ID_NOT_FOUND,
      ErrorCode.INVALID_GROUP_ID,
    ]);
    c.leaveGroup("g", [{ memberId: a!, groupInstanceId: null }]);
    await settle();
    expect(await c.deleteGroups(["g"])).toEqual([ErrorCode.NONE]);
    const next = await f.restart();
    expect(next.group("g")).toBeUndefined();
    expect(next.fetchOffsets("g", null).topics).toEqual([]);
  });
});
