/**
 * TxnOffsetCommit (key 28), v0–v4: a transactional producer's consumer offsets
 * (send_offsets_to_transaction). The group's `__consumer_offsets` partition must be in
 * the transaction (AddOffsetsToTxn first, else INVALID_TXN_STATE); the records are
 * written there as a transactional batch and become the group's committed offsets only
 * when the transaction commits (broker/transactions/txn-offsets.ts). v3+ carries the
 * consumer's group metadata: a classic group checks member id and generation
 * (UNKNOWN_MEMBER_ID / ILLEGAL_GENERATION / FENCED_INSTANCE_ID), a KIP-848 group the
 * member epoch (STALE_MEMBER_EPOCH), so a consumer that lost its partitions cannot commit.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { ApiKey } from "../../protocol/messages/generated/apis.ts";
import type { TxnOffsetCommitRequest } from "../../protocol/messages/generated/txn-offset-commit.ts";
import type { BrokerCore } from "../core/broker-core.ts";
import { groupCoordinatorOf } from "../groups/attach.ts";
import { OFFSETS_TOPIC } from "../groups/group-log.ts";
import { partitionForGroup } from "../groups/partitioner.ts";
import { transactionsOf } from "../transactions/attach.ts";
import { type PendingOffset, writeTxnOffsets } from "../transactions/txn-offsets.ts";
import { defineHandler } from "./registry.ts";

/** The group-level check of a v3+ commit carrying the consumer's generation. */
function checkMember(core: BrokerCore, r: TxnOffsetCommitRequest): number {
  if (r.generationId < 0 && r.memberId === "") return ErrorCode.NONE;
  const group = groupCoordinatorOf(core)?.group(r.groupId);
  if (!group) return ErrorCode.NONE;
  if (group.type === "consumer") {
    const member = group.members.get(r.memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    return r.generationId === member.memberEpoch ? ErrorCode.NONE : ErrorCode.STALE_MEMBER_EPOCH;
  }
  if (r.groupInstanceId !== null) {
    const owner = group.staticMembers.get(r.groupInstanceId);
    if (owner !== undefined && owner !== r.memberId) return ErrorCode.FENCED_INSTANCE_ID;
  }
  if (!group.members.has(r.memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
  if (r.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
  return ErrorCode.NONE;
}

export const txnOffsetCommitHandler = defineHandler({
  apiKey: ApiKey.TxnOffsetCommit,
  minVersion: 0,
  maxVersion: 4,
  async handle(ctx, request) {
    const { core } = ctx;
    const answer = (code: (topic: string, p: number) => number) => ({
      throttleTimeMs: 0,
      topics: request.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          errorCode: code(t.name, p.partitionIndex),
        })),
      })),
    });
    const txns = transactionsOf(core);
    const groups = groupCoordinatorOf(core);
    const offsetsTopic = core.topic(OFFSETS_TOPIC);
    if (!txns || !groups || !offsetsTopic) return answer(() => ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (request.groupId === "") return answer(() => ErrorCode.INVALID_GROUP_ID);
    const offsetsPartition = partitionForGroup(request.groupId, offsetsTopic.partitions.length);
    const pid = Number(request.producerId);
    const txnCheck = txns.coordinator.checkOffsetCommit(
      request.transactionalId,
      pid,
      request.producerEpoch,
      OFFSETS_TOPIC,
      offsetsPartition,
      ctx.apiVersion,
    );
    if (txnCheck !== ErrorCode.NONE) return answer(() => txnCheck);
    const memberCheck = ctx.apiVersion >= 3 ? checkMember(core, request) : ErrorCode.NONE;
    if (memberCheck !== ErrorCode.NONE) return answer(() => memberCheck);
    const now = core.clock.nowMs();
    const maxMetadata = groups.ctx.settings.offsetMetadataMaxBytes;
    const tooLarge = new Set<string>();
    const offsets: PendingOffset[] = [];
    for (const t of request.topics) {
      for (const p of t.partitions) {
        const metadata = p.committedMetadata ?? "";
        if (Buffer.byteLength(metadata) > maxMetadata) {
          tooLarge.add(`${t.name}\u0000${p.partitionIndex}`);
          continue;
        }
        offsets.push({
          group: request.groupId,
          topic: t.name,
          partition: p.partitionIndex,
          value: {
            offset: Number(p.committedOffset),
            leaderEpoch: p.committedLeaderEpoch,
            metadata,
            commitTimestamp: now,
            expireTimestamp: -1,
          },
        });
      }
    }
    const code = await writeTxnOffsets(
      core,
      txns.offsets,
      offsetsPartition,
      pid,
      request.producerEpoch,
      offsets,
    );
    return answer((topic, p) =>
      tooLarge.has(`${topic}\u0000${p}`) ? ErrorCode.OFFSET_METADATA_TOO_LARGE : code,
    );
  },
});
