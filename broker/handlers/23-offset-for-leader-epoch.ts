/**
 * OffsetForLeaderEpoch (key 23), v0–v4: the end offset of a leader epoch from the log's
 * epoch cache (consumers use it to detect truncation, KIP-320). The answer for the
 * current epoch is the log end offset. Leaves out: follower requests (replica_id ≥ 0 is
 * answered the same way).
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { ApiKey } from "../../protocol/messages/generated/apis.ts";
import { LEADER_EPOCH } from "../core/broker-core.ts";
import { defineHandler } from "./registry.ts";

export const offsetForLeaderEpochHandler = defineHandler({
  apiKey: ApiKey.OffsetForLeaderEpoch,
  minVersion: 0,
  maxVersion: 4,
  handle(ctx, request) {
    const { core, apiVersion } = ctx;
    const topics = request.topics.map((t) => ({
      topic: t.topic,
      partitions: t.partitions.map((req) => {
        const p = core.partition(t.topic, req.partition);
        const answer = (errorCode: number, leaderEpoch: number, endOffset: number) => ({
          errorCode,
          partition: req.partition,
          ...(apiVersion >= 1 ? { leaderEpoch } : {}),
          endOffset: BigInt(endOffset),
        });
        if (!p) return answer(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1, -1);
        if (req.currentLeaderEpoch > LEADER_EPOCH)
          return answer(ErrorCode.UNKNOWN_LEADER_EPOCH, -1, -1);
        if (req.currentLeaderEpoch >= 0 && req.currentLeaderEpoch < LEADER_EPOCH) {
          return answer(ErrorCode.FENCED_LEADER_EPOCH, -1, -1);
        }
        const latest = p.log.latestEpoch();
        if (latest === null || req.leaderEpoch >= latest) {
          // No batches yet, or the current epoch: everything up to the log end is ours.
          return answer(ErrorCode.NONE, latest ?? LEADER_EPOCH, p.log.logEndOffset());
        }
        const found = p.log.endOffsetForEpoch(req.leaderEpoch);
        return answer(ErrorCode.NONE, found.epoch, found.endOffset);
      }),
    }));
    return { throttleTimeMs: 0, topics };
  },
});
