/**
 * The record formats of `__consumer_offsets`, byte for byte as Kafka's group coordinator
 * writes them (group-coordinator/src/main/resources/common/message/*.json), so tools that
 * read the topic (kafka-console-consumer with the offsets formatter, kcat scripts) decode
 * ours. A key starts with an int16 record type, a value with an int16 version:
 *
 * | type | key fields              | value we write                                    |
 * | ---- | ----------------------- | ------------------------------------------------- |
 * | 1    | group, topic, partition | OffsetCommitValue v3 (v1 when an expire time set)   |
 * | 2    | group                   | GroupMetadataValue v3 (classic groups)            |
 * | 3    | group                   | ConsumerGroupMetadataValue v0 (epoch)             |
 * | 5    | group, member           | ConsumerGroupMemberMetadataValue v0               |
 * | 6    | group                   | ConsumerGroupTargetAssignmentMetadataValue v0     |
 * | 7    | group, member           | ConsumerGroupTargetAssignmentMemberValue v0       |
 * | 8    | group, member           | ConsumerGroupCurrentMemberAssignmentValue v0      |
 *
 * Keys are never flexible (int16 strings); the KIP-848 values are flexible (compact
 * strings, tagged fields). A null value is a tombstone. Decoders are total: bad bytes
 * throw ProtocolError, which the loader reports and skips.
 */
import { ProtocolError } from "../../protocol/codec/errors.ts";
import { Reader } from "../../protocol/codec/reader.ts";
import { Writer } from "../../protocol/codec/writer.ts";

export const RecordType = {
  OffsetCommit: 1,
  GroupMetadata: 2,
  ConsumerGroupMetadata: 3,
  ConsumerGroupPartitionMetadata: 4,
  ConsumerGroupMemberMetadata: 5,
  ConsumerGroupTargetAssignmentMetadata: 6,
  ConsumerGroupTargetAssignmentMember: 7,
  ConsumerGroupCurrentMemberAssignment: 8,
} as const;

export type GroupRecordKey =
  | { type: 1; group: string; topic: string; partition: number }
  | { type: 2 | 3 | 4 | 6; group: string }
  | { type: 5 | 7 | 8; group: string; memberId: string };

export interface OffsetCommitValue {
  offset: number;
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
  /** -1 unless the client asked for a retention time (OffsetCommit v2–v4). */
  expireTimestamp: number;
}

export interface ClassicMemberValue {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeout: number;
  sessionTimeout: number;
  subscription: Uint8Array;
  assignment: Uint8Array;
}

export interface GroupMetadataValue {
  protocolType: string;
  generation: number;
  protocol: string | null;
  leader: string | null;
  currentStateTimestamp: number;
  members: ClassicMemberValue[];
}

/** A topic id (Kafka Uuid string) and partitions, as KIP-848 records keep assignments. */
export interface TopicPartitions {
  topicId: string;
  partitions: number[];
}

export interface ConsumerMemberMetadataValue {
  instanceId: string | null;
  rackId: string | null;
  clientId: string;
  clientHost: string;
  subscribedTopicNames: string[];
  subscribedTopicRegex: string | null;
  rebalanceTimeoutMs: number;
  serverAssignor: string | null;
}

export interface CurrentMemberAssignmentValue {
  memberEpoch: number;
  previousMemberEpoch: number;
  state: number;
  assignedPartitions: TopicPartitions[];
  partitionsPendingRevocation: TopicPartitions[];
}

// ---- keys ----

export function encodeKey(key: GroupRecordKey): Uint8Array {
  const w = new Writer(64);
  w.int16(key.type);
  w.string(key.group);
  if (key.type === 1) {
    w.string(key.topic);
    w.int32(key.partition);
  } else if (key.type === 5 || key.type === 7 || key.type === 8) {
    w.string(key.memberId);
  }
  return w.finish();
}

/** null for record types this coordinator does not use (Kafka's share/streams records). */
export function decodeKey(bytes: Uint8Array): GroupRecordKey | null {
  const r = new Reader(bytes);
  const type = r.int16();
  switch (type) {
    case 0:
    case 1: {
      // Type 0 is the pre-0.10 offset key (LegacyOffsetCommitKey), same layout.
      const group = r.string();
      const topic = r.string();
      const partition = r.int32();
      return { type: 1, group, topic, partition };
    }
    case 2:
    case 3:
    case 4:
    case 6:
      return { type, group: r.string() };
    case 5:
    case 7:
    case 8: {
      const group = r.string();
      return { type, group, memberId: r.string() };
    }
    default:
      return null;
  }
}

// ---- OffsetCommitValue ----

export function encodeOffsetCommitValue(v: OffsetCommitValue): Uint8Array {
  const w = new Writer(64);
  // Kafka writes v1 only to carry an explicit expire time, otherwise v3.
  const version = v.expireTimestamp >= 0 ? 1 : 3;
  w.int16(version);
  w.int64(BigInt(v.offset));
  if (version >= 3) w.int32(v.leaderEpoch);
  w.string(v.metadata);
  w.int64(BigInt(v.commitTimestamp));
  if (version === 1) w.int64(BigInt(v.expireTimestamp));
  return w.finish();
}

export function decodeOffsetCommitValue(bytes: Uint8Array): OffsetCommitValue {
  const r = new Reader(bytes);
  const version = r.int16();
  if (version < 0 || version > 4) throw badVersion("OffsetCommitValue", version);
  const flex = version >= 4;
  const offset = safe(r.int64());
  const leaderEpoch = version >= 3 ? r.int32() : -1;
  const metadata = flex ? r.compactString() : r.string();
  const commitTimestamp = safe(r.int64());
  const expireTimestamp = version === 1 ? safe(r.int64()) : -1;
  if (flex) r.unknownTaggedFields();
  return { offset, leaderEpoch, metadata, commitTimestamp, expireTimestamp };
}

// ---- GroupMetadataValue ----

const GROUP_METADATA_VERSION = 3;

export function encodeGroupMetadataValue(v: GroupMetadataValue): Uint8Array {
  const w = new Writer(256);
  w.int16(GROUP_METADATA_VERSION);
  w.string(v.protocolType);
  w.int32(v.generation);
  w.nullableString(v.protocol);
  w.nullableString(v.leader);
  w.int64(BigInt(v.currentStateTimestamp));
  w.int32(v.members.length);
  for (const m of v.members) {
    w.string(m.memberId);
    w.nullableString(m.groupInstanceId);
    w.string(m.clientId);
    w.string(m.clientHost);
    w.int32(m.rebalanceTimeout);
    w.int32(m.sessionTimeout);
    w.bytes(m.subscription);
    w.bytes(m.assignment);
  }
  return w.finish();
}

export function decodeGroupMetadataValue(bytes: Uint8Array): GroupMetadataValue {
  const r = new Reader(bytes);
  const version = r.int16();
  if (version < 0 || version > 4) throw badVersion("GroupMetadataValue", version);
  const flex = version >= 4;
  const str = () => (flex ? r.compactString() : r.string());
  const nstr = () => (flex ? r.compactNullableString() : r.nullableString());
  const bytesField = () => (flex ? r.compactBytes() : r.bytes()).slice();
  const protocolType = str();
  const generation = r.int32();
  const protocol = nstr();
  const leader = nstr();
  const currentStateTimestamp = version >= 2 ? safe(r.int64()) : -1;
  const n = r.arrayLength(flex, 4);
  const members: ClassicMemberValue[] = [];
  for (let i = 0; i < n; i++) {
    const memberId = str();
    const groupInstanceId = version >= 3 ? nstr() : null;
    const clientId = str();
    const clientHost = str();
    const rebalanceTimeout = version >= 1 ? r.int32() : -1;
    const sessionTimeout = r.int32();
    const subscription = bytesField();
    const assignment = bytesField();
    if (flex) r.unknownTaggedFields();
    members.push({
      memberId,
      groupInstanceId,
      clientId,
      clientHost,
      rebalanceTimeout: rebalanceTimeout < 0 ? sessionTimeout : rebalanceTimeout,
      sessionTimeout,
      subscription,
      assignment,
    });
  }
  if (flex) r.unknownTaggedFields();
  return { protocolType, generation, protocol, leader, currentStateTimestamp, members };
}

// ---- KIP-848 values (all flexible, version 0) ----

export function encodeConsumerGroupMetadataValue(epoch: number): Uint8Array {
  const w = new Writer(16);
  w.int16(0);
  w.int32(epoch);
  w.uvarint(0);
  return w.finish();
}

export function decodeConsumerGroupMetadataValue(bytes: Uint8Array): { epoch: number } {
  const r = new Reader(bytes);
  checkV0(r, "ConsumerGroupMetadataValue");
  const epoch = r.int32();
  r.unknownTaggedFields();
  return { epoch };
}

/** ConsumerGroupTargetAssignmentMetadataValue: the epoch of the target assignment. */
export const encodeTargetAssignmentMetadataValue = encodeConsumerGroupMetadataValue;
export const decodeTargetAssignmentMetadataValue = decodeConsumerGroupMetadataValue;

export function encodeConsumerMemberMetadataValue(v: ConsumerMemberMetadataValue): Uint8Array {
  const w = new Writer(128);
  w.int16(0);
  w.compactNullableString(v.instanceId);
  w.compactNullableString(v.rackId);
  w.compactString(v.clientId);
  w.compactString(v.clientHost);
  w.uvarint(v.subscribedTopicNames.length + 1);
  for (const t of v.subscribedTopicNames) w.compactString(t);
  w.compactNullableString(v.subscribedTopicRegex);
  w.int32(v.rebalanceTimeoutMs);
  w.compactNullableString(v.serverAssignor);
  w.uvarint(0);
  return w.finish();
}

export function decodeConsumerMemberMetadataValue(bytes: Uint8Array): ConsumerMemberMetadataValue {
  const r = new Reader(bytes);
  checkV0(r, "ConsumerGroupMemberMetadataValue");
  const instanceId = r.compactNullableString();
  const rackId = r.compactNullableString();
  const clientId = r.compactString();
  const clientHost = r.compactString();
  const n = r.arrayLength(true, 1);
  const subscribedTopicNames: string[] = [];
  for (let i = 0; i < n; i++) subscribedTopicNames.push(r.compactString());
  const subscribedTopicRegex = r.compactNullableString();
  const rebalanceTimeoutMs = r.int32();
  const serverAssignor = r.compactNullableString();
  // Tag 0 (ClassicMemberMetadata) belongs to classic members of a consumer group: skipped.
  r.unknownTaggedFields();
  return {
    instanceId,
    rackId,
    clientId,
    clientHost,
    subscribedTopicNames,
    subscribedTopicRegex,
    rebalanceTimeoutMs,
    serverAssignor,
  };
}

function writeTopicPartitions(w: Writer, list: readonly TopicPartitions[]): void {
  w.uvarint(list.length + 1);
  for (const tp of list) {
    w.uuid(tp.topicId);
    w.uvarint(tp.partitions.length + 1);
    for (const p of tp.partitions) w.int32(p);
    w.uvarint(0);
  }
}

function readTopicPartitions(r: Reader): TopicPartitions[] {
  const n = r.arrayLength(true, 18);
  const out: TopicPartitions[] = [];
  for (let i = 0; i < n; i++) {
    const topicId = r.uuid();
    const m = r.arrayLength(true, 4);
    const partitions: number[] = [];
    for (let j = 0; j < m; j++) partitions.push(r.int32());
    r.unknownTaggedFields();
    out.push({ topicId, partitions });
  }
  return out;
}

export function encodeTargetAssignmentMemberValue(list: readonly TopicPartitions[]): Uint8Array {
  const w = new Writer(64);
  w.int16(0);
  writeTopicPartitions(w, list);
  w.uvarint(0);
  return w.finish();
}

export function decodeTargetAssignmentMemberValue(bytes: Uint8Array): TopicPartitions[] {
  const r = new Reader(bytes);
  checkV0(r, "ConsumerGroupTargetAssignmentMemberValue");
  const list = readTopicPartitions(r);
  r.unknownTaggedFields();
  return list;
}

export function encodeCurrentMemberAssignmentValue(v: CurrentMemberAssignmentValue): Uint8Array {
  const w = new Writer(64);
  w.int16(0);
  w.int32(v.memberEpoch);
  w.int32(v.previousMemberEpoch);
  w.int8(v.state);
  writeTopicPartitions(w, v.assignedPartitions);
  writeTopicPartitions(w, v.partitionsPendingRevocation);
  w.uvarint(0);
  return w.finish();
}

export function decodeCurrentMemberAssignmentValue(
  bytes: Uint8Array,
): CurrentMemberAssignmentValue {
  const r = new Reader(bytes);
  checkV0(r, "ConsumerGroupCurrentMemberAssignmentValue");
  const memberEpoch = r.int32();
  const previousMemberEpoch = r.int32();
  const state = r.int8();
  const assignedPartitions = readTopicPartitions(r);
  const partitionsPendingRevocation = readTopicPartitions(r);
  r.unknownTaggedFields();
  return {
    memberEpoch,
    previousMemberEpoch,
    state,
    assignedPartitions,
    partitionsPendingRevocation,
  };
}

// ---- helpers ----

function checkV0(r: Reader, name: string): void {
  const version = r.int16();
  if (version !== 0) throw badVersion(name, version);
}

function badVersion(name: string, version: number): ProtocolError {
  return new ProtocolError("unsupported_version", `${name} version ${version}`);
}

function safe(v: bigint): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new ProtocolError("invalid_value", `int64 ${v} out of range`);
  return n;
}
