/**
 * The group handlers on the wire, version by version, through the real pipeline with a
 * started coordinator: what each version's answer carries, and what lands in
 * __consumer_offsets.
 */
import { beforeEach, describe, expect, test } from "bun:test";
import { startGroupCoordinator } from "../../../../broker/groups/attach.ts";
import { OFFSETS_TOPIC } from "../../../../broker/groups/group-log.ts";
import { partitionForGroup } from "../../../../broker/groups/partitioner.ts";
import { decodeKey, decodeOffsetCommitValue } from "../../../../broker/groups/records.ts";
import { silentLogger } from "../../../../broker/logger.ts";
import { ErrorCode } from "../../../../protocol/errors.ts";
import { ApiKey } from "../../../../protocol/messages/generated/apis.ts";
import { decodeRecordBatch } from "../../../../protocol/records/batch.ts";
import { toOffset } from "../../../../storage/offset.ts";
import { startTestBroker, type TestBroker } from "../harness.ts";
import { subscription } from "./fixture.ts";

let b: TestBroker;

beforeEach(async () => {
  b = await startTestBroker({
    offsets_topic_num_partitions: 5,
    group_initial_rebalance_delay_ms: 0,
  });
  await startGroupCoordinator(b.core, silentLogger);
});

const protocols = [{ name: "range", metadata: subscription(["t"]) }];

describe("group handlers on the wire", () => {
  test("ApiVersions advertises the group APIs", async () => {
    const r = (await b.call(ApiKey.ApiVersions, 3, {}))!;
    const keys = new Map(r.apiKeys.map((k) => [k.apiKey, k.maxVersion]));
    for (const [key, max] of [
      [8, 9],
      [9, 9],
      [10, 6],
      [11, 9],
      [12, 4],
      [13, 5],
      [14, 5],
      [15, 5],
      [16, 5],
      [42, 2],
      [47, 0],
      [68, 1],
      [69, 0],
    ]) {
      expect(keys.get(key!)).toBe(max!);
    }
  });

  test("FindCoordinator: v0 answers this node; v4 batches group and transaction keys; share keys are refused", async () => {
    const v0 = (await b.call(ApiKey.FindCoordinator, 0, { key: "g" }))!;
    expect([v0.errorCode, v0.nodeId, v0.host, v0.port]).toEqual([0, 1, "localhost", 9092]);
    const v4 = (await b.call(ApiKey.FindCoordinator, 4, {
      keyType: 0,
      coordinatorKeys: ["a", "b"],
    }))!;
    expect(v4.coordinators.map((c) => [c.key, c.nodeId, c.errorCode])).toEqual([
      ["a", 1, 0],
      ["b", 1, 0],
    ]);
    const txn = (await b.call(ApiKey.FindCoordinator, 4, { keyType: 1, coordinatorKeys: ["tx"] }))!;
    expect(txn.coordinators[0]!.nodeId).toBe(1);
    const share = (await b.call(ApiKey.FindCoordinator, 6, {
      keyType: 2,
      coordinatorKeys: ["s"],
    }))!;
    expect(share.coordinators[0]!.errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });

  test("JoinGroup v0 joins at once; v5 asks for the member id; v7 names protocol type and name", async () => {
    const v0 = (await b.call(ApiKey.JoinGroup, 0, {
      groupId: "g0",
      sessionTimeoutMs: 10_000,
      memberId: "",
      protocolType: "consumer",
      protocols,
    }))!;
    expect(v0.errorCode).toBe(0);
    expect(v0.protocolName).toBe("range");
    expect(v0.members).toHaveLength(1);
    const first = (await b.call(ApiKey.JoinGroup, 5, {
      groupId: "g7",
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 10_000,
      memberId: "",
      protocolType: "consumer",
      protocols,
    }))!;
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    const v7 = (await b.call(ApiKey.JoinGroup, 7, {
      groupId: "g7",
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 10_000,
      memberId: first.memberId,
      protocolType: "consumer",
      protocols,
    }))!;
    expect([v7.errorCode, v7.generationId, v7.protocolType, v7.protocolName, v7.leader]).toEqual([
      0,
      1,
      "consumer",
      "range",
      first.memberId,
    ]);
    const sync = (await b.call(ApiKey.SyncGroup, 5, {
      groupId: "g7",
      generationId: 1,
      memberId: first.memberId,
      protocolType: "consumer",
      protocolName: "range",
      assignments: [{ memberId: first.memberId, assignment: new Uint8Array([1, 2, 3]) }],
    }))!;
    expect([sync.errorCode, sync.protocolType, sync.protocolName, [...sync.assignment]]).toEqual([
      0,
      "consumer",
      "range",
      [1, 2, 3],
    ]);
    const d = (await b.call(ApiKey.DescribeGroups, 5, { groups: ["g7", "nope"] }))!;
    expect(
      d.groups.map((g) => [g.groupId, g.groupState, g.protocolData, g.members.length]),
    ).toEqual([
      ["g7", "Stable", "range", 1],
      ["nope", "Dead", "", 0],
    ]);
    expect(d.groups[0]!.members[0]!.clientHost).toBe("/test");
    const leave = (await b.call(ApiKey.LeaveGroup, 3, {
      groupId: "g7",
      members: [{ memberId: first.memberId }, { memberId: "ghost" }],
    }))!;
    expect(leave.members.map((m) => m.errorCode)).toEqual([0, ErrorCode.UNKNOWN_MEMBER_ID]);
    const list4 = (await b.call(ApiKey.ListGroups, 4, { statesFilter: ["empty"] }))!;
    expect(list4.groups.map((g) => [g.groupId, g.groupState])).toEqual([["g7", "Empty"]]);
    const list5 = (await b.call(ApiKey.ListGroups, 5, { typesFilter: ["Classic"] }))!;
    expect(list5.groups.map((g) => [g.groupId, g.groupType]).sort()).toEqual([
      ["g0", "classic"],
      ["g7", "classic"],
    ]);
  });

  test("OffsetCommit → __consumer_offsets → OffsetFetch v1, v5 and multi-group v8", async () => {
    const commit = (await b.call(ApiKey.OffsetCommit, 2, {
      groupId: "oc",
      generationIdOrMemberEpoch: -1,
      memberId: "",
      retentionTimeMs: 60_000n,
      topics: [
        {
          name: "t",
          partitions: [{ partitionIndex: 0, committedOffset: 42n, committedMetadata: "meta" }],
        },
      ],
    }))!;
    expect(commit.topics[0]!.partitions[0]!.errorCode).toBe(0);
    const log = b.core.partition(OFFSETS_TOPIC, partitionForGroup("oc", 5))!.log;
    const { records } = await log.read(toOffset(0), 1 << 20);
    const rec = decodeRecordBatch(records).records[0]!;
    expect(decodeKey(rec.key!)).toEqual({ type: 1, group: "oc", topic: "t", partition: 0 });
    const value = decodeOffsetCommitValue(rec.value!);
    expect([value.offset, value.metadata, value.expireTimestamp - value.commitTimestamp]).toEqual([
      42,
      "meta",
      60_000,
    ]);

    const v1 = (await b.call(ApiKey.OffsetFetch, 1, {
      groupId: "oc",
      topics: [{ name: "t", partitionIndexes: [0, 1] }],
    }))!;
    expect(
      v1.topics[0]!.partitions.map((p) => [p.partitionIndex, p.committedOffset, p.metadata]),
    ).toEqual([
      [0, 42n, "meta"],
      [1, -1n, ""],
    ]);
    const v5 = (await b.call(ApiKey.OffsetFetch, 5, { groupId: "oc", topics: null }))!;
    expect(v5.topics).toHaveLength(1);
    expect(v5.topics[0]!.partitions[0]!.committedLeaderEpoch).toBe(-1);
    const v8 = (await b.call(ApiKey.OffsetFetch, 8, {
      groups: [
        { groupId: "oc", topics: null },
        { groupId: "unknown", topics: [{ name: "t", partitionIndexes: [0] }] },
        { groupId: "", topics: null },
      ],
      requireStable: true,
    }))!;
    expect(
      v8.groups.map((g) => [
        g.groupId,
        g.errorCode,
        g.topics.flatMap((t) => t.partitions.map((p) => p.committedOffset)),
      ]),
    ).toEqual([
      ["oc", 0, [42n]],
      ["unknown", 0, [-1n]],
      ["", ErrorCode.INVALID_GROUP_ID, []],
    ]);
    const del = (await b.call(ApiKey.OffsetDelete, 0, {
      groupId: "oc",
      topics: [{ name: "t", partitions: [{ partitionIndex: 0 }] }],
    }))!;
    expect([del.errorCode, del.topics[0]!.partitions[0]!.errorCode]).toEqual([0, 0]);
    const after = (await b.call(ApiKey.OffsetFetch, 1, {
      groupId: "oc",
      topics: [{ name: "t", partitionIndexes: [0] }],
    }))!;
    expect(after.topics[0]!.partitions[0]!.committedOffset).toBe(-1n);
    const dg = (await b.call(ApiKey.DeleteGroups, 2, { groupsNames: ["oc", "oc"] }))!;
    expect(dg.results.map((r) => r.errorCode)).toEqual([0, ErrorCode.GROUP_ID_NOT_FOUND]);
  });

  test("ConsumerGroupHeartbeat and ConsumerGroupDescribe on the wire", async () => {
    await b.call(ApiKey.CreateTopics, 7, {
      topics: [{ name: "kt", numPartitions: 3, replicationFactor: 1 }],
    });
    const hb = (await b.call(ApiKey.ConsumerGroupHeartbeat, 1, {
      groupId: "kg",
      memberId: "member-1",
      memberEpoch: 0,
      rebalanceTimeoutMs: 10_000,
      subscribedTopicNames: ["kt"],
      topicPartitions: [],
    }))!;
    expect([hb.errorCode, hb.memberId, hb.memberEpoch]).toEqual([0, "member-1", 1]);
    expect(hb.assignment!.topicPartitions[0]!.partitions).toEqual([0, 1, 2]);
    const d = (await b.call(ApiKey.ConsumerGroupDescribe, 0, { groupIds: ["kg", "none"] }))!;
    expect(d.groups[0]!.members[0]!.assignment.topicPartitions[0]!.topicName).toBe("kt");
    expect([d.groups[0]!.groupEpoch, d.groups[0]!.assignorName]).toEqual([1, "uniform"]);
    expect(d.groups[1]!.errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
  });
});
