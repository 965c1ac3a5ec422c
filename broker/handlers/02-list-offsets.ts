/**
 * ListOffsets (key 2), v0–v10: earliest (-2), latest (-1), max timestamp (-3, KIP-734),
 * earliest local (-4, the log start: no tiering), latest tiered (-5: not found, there is
 * no tiered storage) and search by timestamp (KIP-79). v0's max_num_offsets answers at
 * most one offset in old_style_offsets. read_committed answers the last stable offset,
 * which is the high watermark until transactions land.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { ApiKey } from "../../protocol/messages/generated/apis.ts";
import { LEADER_EPOCH } from "../core/broker-core.ts";
import { lookupOffset } from "../core/list-offsets.ts";
import { defineHandler } from "./registry.ts";

export const listOffsetsHandler = defineHandler({
  apiKey: ApiKey.ListOffsets,
  minVersion: 0,
  maxVersion: 10,
  async handle(ctx, request) {
    const { core, apiVersion } = ctx;
    const topics = [];
    for (const t of request.topics) {
      const partitions = [];
      for (const req of t.partitions) {
        const p = core.partition(t.name, req.partitionIndex);
        const base = { partitionIndex: req.partitionIndex };
        if (!p) {
          partitions.push({ ...base, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
          continue;
        }
        if (req.currentLeaderEpoch > LEADER_EPOCH) {
          partitions.push({ ...base, errorCode: ErrorCode.UNKNOWN_LEADER_EPOCH });
          continue;
        }
        if (req.currentLeaderEpoch >= 0 && req.currentLeaderEpoch < LEADER_EPOCH) {
          partitions.push({ ...base, errorCode: ErrorCode.FENCED_LEADER_EPOCH });
          continue;
        }
        const found = await lookupOffset(p, Number(req.timestamp), request.isolationLevel === 1);
        if (apiVersion === 0) {
          partitions.push({
            partitionIndex: req.partitionIndex,
            errorCode: found.errorCode,
            oldStyleOffsets:
              found.offset >= 0 && req.maxNumOffsets > 0 ? [BigInt(found.offset)] : [],
          });
          continue;
        }
        partitions.push({
          partitionIndex: req.partitionIndex,
          errorCode: found.errorCode,
          timestamp: BigInt(found.timestamp),
          offset: BigInt(found.offset),
          // Fields a version lacks must keep their defaults (the codec refuses otherwise).
          ...(apiVersion >= 4 ? { leaderEpoch: found.leaderEpoch } : {}),
        });
      }
      topics.push({ name: t.name, partitions });
    }
    return { throttleTimeMs: 0, topics };
  },
});
