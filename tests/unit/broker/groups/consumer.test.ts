/**
 * KIP-848 consumer groups on a manual clock: server-side assignment, member epochs,
 * incremental revocation (a partition never has two owners), fencing by session and
 * revocation timeouts, static members, regex subscriptions, persistence, and conversion
 * between classic and consumer groups.
 */
import { describe, expect, test } from "bun:test";
import type {
  ConsumerHeartbeatRequest,
  ConsumerHeartbeatResult,
} from "../../../../broker/groups/consumer.ts";
import type { ConsumerGroup } from "../../../../broker/groups/consumer-group.ts";
import type { GroupCoordinator } from "../../../../broker/groups/coordinator.ts";
import { ErrorCode } from "../../../../protocol/errors.ts";
import { type Fixture, fixture, joinRequest } from "./fixture.ts";

type Owned = { topicId: string; partitions: number[] }[];

function hb(over: Partial<ConsumerHeartbeatRequest>): ConsumerHeartbeatRequest {
  return {
    groupId: "cg",
    memberId: "",
    memberEpoch: 0,
    instanceId: null,
    rackId: null,
    rebalanceTimeoutMs: -1,
    subscribedTopicNames: null,
    subscribedTopicRegex: null,
    serverAssignor: null,
    topicPartitions: null,
    clientId: "client",
    clientHost: "/127.0.0.1",
    apiVersion: 1,
    ...over,
  };
}

/** A client that does what a real KIP-848 consumer does with each answer. */
class Member {
  epoch = 0;
  owned: Owned = [];
  constructor(
    readonly c: () => GroupCoordinator,
    readonly id: string,
    readonly subscribe: {
      names?: string[];
      regex?: string;
      instanceId?: string;
      assignor?: string;
    } = { names: ["orders"] },
  ) {}
  async join(): Promise<ConsumerHeartbeatResult> {
    const r = await this.c().consumerHeartbeat(
      hb({
        memberId: this.id,
        memberEpoch: 0,
        rebalanceTimeoutMs: 10_000,
        subscribedTopicNames: this.subscribe.names ?? [],
        subscribedTopicRegex: this.subscribe.regex ?? null,
        instanceId: this.subscribe.instanceId ?? null,
        serverAssignor: this.subscribe.assignor ?? null,
        topicPartitions: [],
      }),
    );
    this.apply(r);
    return r;
  }
  async beat(): Promise<ConsumerHeartbeatResult> {
    const r = await this.c().consumerHeartbeat(
      hb({ memberId: this.id, memberEpoch: this.epoch, topicPartitions: this.owned }),
    );
    this.apply(r);
    return r;
  }
  private apply(r: ConsumerHeartbeatResult): void {
    if (r.errorCode !== ErrorCode.NONE) return;
    this.epoch = r.memberEpoch;
    // A real consumer revokes at once and takes what it is given.
    if (r.assignment !== null)
      this.owned = r.assignment.map((tp) => ({
        topicId: tp.topicId,
        partitions: [...tp.partitions],
      }));
  }
  count(): number {
    return this.owned.reduce((n, tp) => n + tp.partitions.length, 0);
  }
}

function group(c: GroupCoordinator, id = "cg"): ConsumerGroup {
  const g = c.group(id);
  if (g?.type !== "consumer") throw new Error("not a consumer group");
  return g;
}

/** No partition is owned (assigned or pending revocation) by two members at once. */
function assertExclusive(g: ConsumerGroup): void {
  const seen = new Map<string, string>();
  for (const m of g.members.values()) {
    for (const a of [m.assigned, m.pendingRevocation]) {
      for (const [t, ps] of a) {
        for (const p of ps) {
          const key = `${t}:${p}`;
          expect(seen.get(key) ?? m.memberId).toBe(m.memberId);
          seen.set(key, m.memberId);
        }
      }
    }
  }
}

async function setup(): Promise<Fixture> {
  const f = await fixture();
  f.topics.add("orders", 6);
  return f;
}

describe("KIP-848: assignment and reconciliation", () => {
  test("the first member gets every partition at epoch 1; v0 members get a server-made id", async () => {
    const f = await setup();
    const a = new Member(() => f.coordinator, "member-a");
    const r = await a.join();
    expect(r.errorCode).toBe(ErrorCode.NONE);
    expect(r.memberId).toBe("member-a");
    expect(r.memberEpoch).toBe(1);
    expect(a.count()).toBe(6);
    expect(r.heartbeatIntervalMs).toBe(5000);
    const v0 = await f.coordinator.consumerHeartbeat(
      hb({
        groupId: "other",
        apiVersion: 0,
        rebalanceTimeoutMs: 1000,
        subscribedTopicNames: ["orders"],
        topicPartitions: [],
      }),
    );
    expect(v0.memberId).toHaveLength(22);
  });

  test("a second member gets partitions only after the first acknowledged their revocation", async () => {
    const f = await setup();
    const c = () => f.coordinator;
    const a = new Member(c, "a");
    const b = new Member(c, "b");
    await a.join();
    const rb = await b.join();
    expect(rb.memberEpoch).toBe(2);
    expect(b.count()).toBe(0); // a still owns everything
    assertExclusive(group(f.coordinator));
    const ra = await a.beat(); // told to give up three
    expect(ra.memberEpoch).toBe(1);
    expect(a.count()).toBe(3);
    assertExclusive(group(f.coordinator));
    expect((await b.beat()).assignment).toBeNull(); // nothing freed yet: a has not confirmed
    expect(b.count()).toBe(0);
    const ra2 = await a.beat(); // confirms: it now owns only three
    expect(ra2.memberEpoch).toBe(2);
    await b.beat();
    expect(b.count()).toBe(3);
    assertExclusive(group(f.coordinator));
    expect(group(f.coordinator).stateName()).toBe("Stable");
  });

  test("a member that never confirms its revocation is fenced after the rebalance timeout", async () => {
    const f = await setup();
    const a = new Member(() => f.coordinator, "a");
    const b = new Member(() => f.coordinator, "b");
    await a.join();
    await b.join();
    await a.beat(); // revocation requested; a goes silent
    f.clock.advance(10_001);
    expect(group(f.coordinator).members.has("a")).toBe(false);
    await b.beat();
    await b.beat();
    expect(b.count()).toBe(6);
    expect((await a.beat()).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  test("session timeout: a silent member is fenced and its partitions go to the others", async () => {
    const f = await setup();
    const a = new Member(() => f.coordinator, "a");
    const b = new Member(() => f.coordinator, "b");
    await a.join();
    await b.join();
    await a.beat();
    await a.beat();
    await b.beat();
    for (let t = 0; t < 10; t++) {
      f.clock.advance(5000);
      await b.beat();
    }
    expect(group(f.coordinator).members.has("a")).toBe(false);
    expect(b.count()).toBe(6);
  });

  test("bad heartbeats: wrong epoch → FENCED_MEMBER_EPOCH, unknown member, bad fields, unknown assignor, bad regex", async () => {
    const f = await setup();
    const c = f.coordinator;
    const a = new Member(() => c, "a");
    await a.join();
    const before = JSON.stringify(
      [...group(c).members.values()].map((m) => [m.memberId, m.memberEpoch, [...m.assigned]]),
    );
    expect((await c.consumerHeartbeat(hb({ memberId: "a", memberEpoch: 7 }))).errorCode).toBe(
      ErrorCode.FENCED_MEMBER_EPOCH,
    );
    expect((await c.consumerHeartbeat(hb({ memberId: "zz", memberEpoch: 1 }))).errorCode).toBe(
      ErrorCode.UNKNOWN_MEMBER_ID,
    );
    expect(
      (await c.consumerHeartbeat(hb({ groupId: "", memberId: "a", memberEpoch: 1 }))).errorCode,
    ).toBe(ErrorCode.INVALID_REQUEST);
    expect(
      (
        await c.consumerHeartbeat(
          hb({
            memberId: "n",
            memberEpoch: 0,
            subscribedTopicNames: ["orders"],
            topicPartitions: [],
          }),
        )
      ).errorCode,
    ).toBe(
      ErrorCode.INVALID_REQUEST, // no rebalance timeout on join
    );
    expect(
      (
        await c.consumerHeartbeat(
          hb({
            memberId: "n",
            rebalanceTimeoutMs: 1,
            subscribedTopicNames: ["orders"],
            topicPartitions: [],
            serverAssignor: "magic",
          }),
        )
      ).errorCode,
    ).toBe(ErrorCode.UNSUPPORTED_ASSIGNOR);
    expect(
      (
        await c.consumerHeartbeat(
          hb({
            memberId: "n",
            rebalanceTimeoutMs: 1,
            subscribedTopicRegex: "(",
            topicPartitions: [],
          }),
        )
      ).errorCode,
    ).toBe(ErrorCode.INVALID_REGULAR_EXPRESSION);
    expect(
      JSON.stringify(
        [...group(c).members.values()].map((m) => [m.memberId, m.memberEpoch, [...m.assigned]]),
      ),
    ).toBe(before);
  });

  test("a member that missed our answer may retry with its previous epoch, but not claim more than it was given", async () => {
    const f = await setup();
    const c = f.coordinator;
    const a = new Member(() => c, "a");
    const b = new Member(() => c, "b");
    await a.join();
    await b.join();
    await a.beat(); // revoke three, epoch still 1
    const kept = a.owned;
    await a.beat(); // now epoch 2 — pretend this answer was lost
    const retry = await c.consumerHeartbeat(
      hb({ memberId: "a", memberEpoch: 1, topicPartitions: kept }),
    );
    expect(retry.errorCode).toBe(ErrorCode.NONE);
    expect(retry.memberEpoch).toBe(2);
    const all = [{ topicId: f.topics.byName("orders")!.id, partitions: [0, 1, 2, 3, 4, 5] }];
    const greedy = await c.consumerHeartbeat(
      hb({ memberId: "a", memberEpoch: 1, topicPartitions: all }),
    );
    expect(greedy.errorCode).toBe(ErrorCode.FENCED_MEMBER_EPOCH);
  });

  test("more partitions on a subscribed topic move the group epoch and get assigned", async () => {
    const f = await setup();
    const a = new Member(() => f.coordinator, "a");
    await a.join();
    expect(a.count()).toBe(6);
    f.topics.byName("orders")!.partitions = 8;
    const r = await a.beat();
    expect(r.memberEpoch).toBe(2);
    expect(a.count()).toBe(8);
  });

  test("group max size applies to consumer groups too", async () => {
    const f = await fixture({ maxGroupSize: 1 });
    f.topics.add("orders", 6);
    await new Member(() => f.coordinator, "a").join();
    expect((await new Member(() => f.coordinator, "b").join()).errorCode).toBe(
      ErrorCode.GROUP_MAX_SIZE_REACHED,
    );
    expect(group(f.coordinator).members.size).toBe(1);
  });

  test("regex subscriptions match whole topic names and skip internal topics", async () => {
    const f = await setup();
    f.topics.add("orders-eu", 2);
    f.topics.add("audit", 3);
    f.topics.add("__consumer_offsets", 50);
    const a = new Member(() => f.coordinator, "a", { regex: "orders.*" });
    await a.join();
    expect(a.count()).toBe(8);
    expect(group(f.coordinator).subscribedTopicNames(f.topics).sort()).toEqual([
      "orders",
      "orders-eu",
    ]);
  });

  test("range assignor on request", async () => {
    const f = await setup();
    const a = new Member(() => f.coordinator, "a", { names: ["orders"], assignor: "range" });
    const b = new Member(() => f.coordinator, "b", { names: ["orders"], assignor: "range" });
    await a.join();
    await b.join();
    await a.beat();
    await a.beat();
    await b.beat();
    expect(a.owned[0]!.partitions).toEqual([0, 1, 2]);
    expect(b.owned[0]!.partitions).toEqual([3, 4, 5]);
  });
});

describe("KIP-848: static members, durability, conversion", () => {
  test("a static member that leaves with epoch -2 and comes back gets its partitions without a new epoch", async () => {
    const f = await setup();
    const c = f.coordinator;
    const a = new Member(() => c, "a1", { names: ["orders"], instanceId: "inst-a" });
    const b = new Member(() => c, "b", { names: ["orders"] });
    await a.join();
    await b.join();
    await a.beat();
    await a.beat();
    await b.beat();
    const owned = JSON.stringify(a.owned);
    const epoch = group(c).groupEpoch;
    expect((await c.consumerHeartbeat(hb({ memberId: "a1", memberEpoch: -2 }))).memberEpoch).toBe(
      -2,
    );
    // Another instance with the same id is refused while the old one is still in.
    const back = new Member(() => c, "a2", { names: ["orders"], instanceId: "inst-a" });
    const r = await back.join();
    expect(r.errorCode).toBe(ErrorCode.NONE);
    expect(JSON.stringify(back.owned)).toBe(owned);
    expect(group(c).groupEpoch).toBe(epoch);
    const again = new Member(() => c, "a3", { names: ["orders"], instanceId: "inst-a" });
    expect((await again.join()).errorCode).toBe(ErrorCode.UNRELEASED_INSTANCE_ID);
  });

  test("a restarted coordinator knows every member, epoch and assignment", async () => {
    const f = await setup();
    const a = new Member(() => f.coordinator, "a");
    const b = new Member(() => f.coordinator, "b");
    await a.join();
    await b.join();
    await a.beat();
    await a.beat();
    await b.beat();
    const state = (g: ConsumerGroup) =>
      JSON.stringify({
        epoch: g.groupEpoch,
        assignmentEpoch: g.assignmentEpoch,
        members: [...g.members.values()].map((m) => [
          m.memberId,
          m.memberEpoch,
          m.state,
          [...m.assigned].map(([t, ps]) => [t, [...ps]]),
        ]),
      });
    const before = state(group(f.coordinator));
    const next = await f.restart();
    expect(state(group(next))).toBe(before);
    const a2 = new Member(() => next, "a");
    a2.epoch = a.epoch;
    a2.owned = a.owned;
    expect((await a2.beat()).errorCode).toBe(ErrorCode.NONE);
  });

  test("OffsetCommit v9 from a consumer group member is checked against its epoch", async () => {
    const f = await setup();
    const a = new Member(() => f.coordinator, "a");
    await a.join();
    const commit = (epoch: number) =>
      f.coordinator.commitOffsets({
        groupId: "cg",
        generationIdOrMemberEpoch: epoch,
        memberId: "a",
        groupInstanceId: null,
        retentionTimeMs: -1,
        topics: [
          {
            name: "orders",
            partitions: [
              { partition: 0, offset: 3, leaderEpoch: -1, metadata: null, commitTimestamp: -1 },
            ],
          },
        ],
        apiVersion: 9,
      });
    expect((await commit(0))[0]!.partitions[0]!.errorCode).toBe(ErrorCode.STALE_MEMBER_EPOCH);
    expect((await commit(1))[0]!.partitions[0]!.errorCode).toBe(ErrorCode.NONE);
  });

  test("an empty classic group becomes a consumer group and back; a live one refuses the other protocol", async () => {
    const f = await setup();
    const c = f.coordinator;
    const first = await c.joinGroup(joinRequest({ groupId: "cg", apiVersion: 3 }));
    expect(first.errorCode).toBe(ErrorCode.NONE);
    const refused = await c.consumerHeartbeat(
      hb({
        memberId: "x",
        rebalanceTimeoutMs: 1,
        subscribedTopicNames: ["orders"],
        topicPartitions: [],
      }),
    );
    expect(refused.errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
    c.leaveGroup("cg", [{ memberId: first.memberId, groupInstanceId: null }]);
    const a = new Member(() => c, "a");
    expect((await a.join()).errorCode).toBe(ErrorCode.NONE);
    expect(c.group("cg")?.type).toBe("consumer");
    expect((await c.joinGroup(joinRequest({ groupId: "cg", apiVersion: 3 }))).errorCode).toBe(
      ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
    );
    await c.consumerHeartbeat(hb({ memberId: "a", memberEpoch: -1 }));
    expect((await c.joinGroup(joinRequest({ groupId: "cg", apiVersion: 3 }))).errorCode).toBe(
      ErrorCode.NONE,
    );
    expect(c.group("cg")?.type).toBe("classic");
    // The consumer group's records were tombstoned: a restart does not resurrect it.
    const next = await f.restart();
    expect(next.group("cg")?.type).not.toBe("consumer");
  });
});
