/**
 * The __consumer_offsets record formats: byte layouts Kafka's own decoders accept, and
 * Java's group → partition hashing.
 */
import { describe, expect, test } from "bun:test";
import { javaStringHashCode, partitionForGroup } from "../../../../broker/groups/partitioner.ts";
import {
  decodeConsumerMemberMetadataValue,
  decodeCurrentMemberAssignmentValue,
  decodeGroupMetadataValue,
  decodeKey,
  decodeOffsetCommitValue,
  decodeTargetAssignmentMemberValue,
  encodeConsumerMemberMetadataValue,
  encodeCurrentMemberAssignmentValue,
  encodeGroupMetadataValue,
  encodeKey,
  encodeOffsetCommitValue,
  encodeTargetAssignmentMemberValue,
} from "../../../../broker/groups/records.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("record layouts", () => {
  test("OffsetCommitKey: int16 type 1, then group, topic (int16-length strings) and int32 partition", () => {
    const key = encodeKey({ type: 1, group: "g", topic: "t", partition: 3 });
    expect(hex(key)).toBe("0001" + "00016" + "7" + "000174" + "00000003");
    expect(decodeKey(key)).toEqual({ type: 1, group: "g", topic: "t", partition: 3 });
  });

  test("OffsetCommitValue v3: offset, leader epoch, metadata, commit timestamp", () => {
    const v = {
      offset: 42,
      leaderEpoch: 5,
      metadata: "m",
      commitTimestamp: 1000,
      expireTimestamp: -1,
    };
    const bytes = encodeOffsetCommitValue(v);
    expect(hex(bytes)).toBe(
      "0003" + "000000000000002a" + "00000005" + "00016d" + "00000000000003e8",
    );
    expect(decodeOffsetCommitValue(bytes)).toEqual(v);
  });

  test("OffsetCommitValue v1 carries an explicit expire timestamp (OffsetCommit v2–v4 retention)", () => {
    const v = {
      offset: 1,
      leaderEpoch: -1,
      metadata: "",
      commitTimestamp: 10,
      expireTimestamp: 20,
    };
    const bytes = encodeOffsetCommitValue(v);
    expect(bytes[1]).toBe(1);
    expect(decodeOffsetCommitValue(bytes)).toEqual(v);
  });

  test("OffsetCommitValue v4 (flexible, as Kafka 4 may write) decodes", () => {
    // version 4, offset 7, epoch -1, compact "x", timestamp 9, no tagged fields
    const bytes = Buffer.from(
      "0004" + "0000000000000007" + "ffffffff" + "0278" + "0000000000000009" + "00",
      "hex",
    );
    expect(decodeOffsetCommitValue(bytes)).toEqual({
      offset: 7,
      leaderEpoch: -1,
      metadata: "x",
      commitTimestamp: 9,
      expireTimestamp: -1,
    });
  });

  test("GroupMetadataKey type 2 and GroupMetadataValue v3 round-trip with members", () => {
    expect(hex(encodeKey({ type: 2, group: "ab" }))).toBe("0002" + "00026162");
    const v = {
      protocolType: "consumer",
      generation: 4,
      protocol: "range",
      leader: "m1",
      currentStateTimestamp: 123,
      members: [
        {
          memberId: "m1",
          groupInstanceId: "i1",
          clientId: "c",
          clientHost: "/127.0.0.1",
          rebalanceTimeout: 300000,
          sessionTimeout: 45000,
          subscription: new Uint8Array([0, 1, 2]),
          assignment: new Uint8Array([9]),
        },
      ],
    };
    const bytes = encodeGroupMetadataValue(v);
    expect(bytes[1]).toBe(3);
    expect(decodeGroupMetadataValue(bytes)).toEqual(v);
  });

  test("KIP-848 records round-trip (flexible v0)", () => {
    expect(decodeKey(encodeKey({ type: 8, group: "g", memberId: "m" }))).toEqual({
      type: 8,
      group: "g",
      memberId: "m",
    });
    const meta = {
      instanceId: null,
      rackId: "r",
      clientId: "c",
      clientHost: "/h",
      subscribedTopicNames: ["a", "b"],
      subscribedTopicRegex: "x.*",
      rebalanceTimeoutMs: 1000,
      serverAssignor: "uniform",
    };
    expect(decodeConsumerMemberMetadataValue(encodeConsumerMemberMetadataValue(meta))).toEqual(
      meta,
    );
    const tp = [{ topicId: "AAAAAAAAAAAAAAAAAAAAAQ", partitions: [0, 2] }];
    expect(decodeTargetAssignmentMemberValue(encodeTargetAssignmentMemberValue(tp))).toEqual(tp);
    const cur = {
      memberEpoch: 3,
      previousMemberEpoch: 2,
      state: 2,
      assignedPartitions: tp,
      partitionsPendingRevocation: [],
    };
    expect(decodeCurrentMemberAssignmentValue(encodeCurrentMemberAssignmentValue(cur))).toEqual(
      cur,
    );
  });

  test("unknown record types (share/streams groups of a newer Kafka) are recognised as foreign, bad bytes throw", () => {
    expect(decodeKey(new Uint8Array([0, 11, 0, 1, 0x61]))).toBeNull();
    expect(() => decodeOffsetCommitValue(new Uint8Array([0, 3, 1]))).toThrow();
    expect(() => decodeGroupMetadataValue(new Uint8Array([0, 9]))).toThrow();
  });
});

describe("group → partition", () => {
  test("Java's String.hashCode", () => {
    expect(javaStringHashCode("")).toBe(0);
    expect(javaStringHashCode("hello")).toBe(99162322);
    expect(javaStringHashCode("Aa")).toBe(2112);
    expect(javaStringHashCode("BB")).toBe(2112);
    // Against a BigInt reference of s[0]*31^(n-1) + … + s[n-1], wrapped to int32.
    for (const s of ["my-consumer-group", "ünïcødé-group", "😀", "x".repeat(300)]) {
      let h = 0n;
      for (let i = 0; i < s.length; i++) h = (h * 31n + BigInt(s.charCodeAt(i))) & 0xffffffffn;
      expect(javaStringHashCode(s)).toBe(Number(BigInt.asIntN(32, h)));
    }
  });

  test("Utils.abs(hashCode) % partitions, as Kafka places groups", () => {
    const h = javaStringHashCode("my-consumer-group");
    expect(partitionForGroup("my-consumer-group", 50)).toBe(Math.abs(h) % 50);
    // "polygenelubricants".hashCode() is Integer.MIN_VALUE: Utils.abs maps it to 0.
    expect(javaStringHashCode("polygenelubricants")).toBe(-2147483648);
    expect(partitionForGroup("polygenelubricants", 50)).toBe(0);
  });
});
