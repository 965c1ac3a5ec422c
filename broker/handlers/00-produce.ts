/**
 * Produce (key 0), v0–v11. acks 0/1/-1 (acks=0 gets no response at all; -1 waits for an
 * fsync, since this node is the whole ISR); max.message.bytes; LogAppendTime stamping;
 * header/CRC validation with per-partition errors and record errors; idempotent
 * sequence checks; v0–v2 MessageSets are up-converted to v2 batches.
 * Transactional batches are checked against the transaction coordinator (KIP-890: the
 * partition must be in the producer's open transaction, else INVALID_TXN_STATE) and open
 * the producer's transaction on the partition; control batches from clients are refused.
 * Leaves out: re-compression to a topic's compression.type (batches are stored as sent), per-record
 * timestamp checks (message.timestamp.*.max.ms) and throttling (throttleTimeMs is always 0).
 */

import type { Input } from "../../protocol/codec/generated-support.ts";
import { ErrorCode } from "../../protocol/errors.ts";
import { ApiKey } from "../../protocol/messages/generated/apis.ts";
import type { ProduceResponsePartitionProduceResponse } from "../../protocol/messages/generated/produce.ts";
import { appendToPartition, type PartitionAppendResult } from "../core/produce.ts";
import { defineHandler } from "./registry.ts";

type PartitionResponse = Input<ProduceResponsePartitionProduceResponse>;

function toWire(index: number, r: PartitionAppendResult, version: number): PartitionResponse {
  return {
    index,
    errorCode: r.errorCode,
    baseOffset: BigInt(r.baseOffset),
    logAppendTimeMs: BigInt(r.logAppendTimeMs),
    logStartOffset: BigInt(r.logStartOffset),
    // Record errors exist from v8; older versions only carry the partition's code.
    recordErrors: version >= 8 ? r.recordErrors : [],
    errorMessage: r.errorMessage,
  };
}

function errorOnly(
  index: number,
  errorCode: number,
  errorMessage: string | null,
  version: number,
): PartitionResponse {
  return toWire(
    index,
    {
      errorCode,
      errorMessage,
      baseOffset: -1,
      logAppendTimeMs: -1,
      logStartOffset: -1,
      recordErrors: [],
    },
    version,
  );
}

export const produceHandler = defineHandler({
  apiKey: ApiKey.Produce,
  minVersion: 0,
  maxVersion: 11,
  async handle(ctx, request) {
    const { core } = ctx;
    const acks = request.acks;
    const nowMs = core.clock.nowMs();
    const durability = acks === -1 ? "sync" : "write";
    // Start every partition's append before awaiting any, so each one's checks and offset
    // assignment happen in one synchronous step.
    const pending = request.topicData.map((topic) => ({
      name: topic.name,
      partitions: topic.partitionData.map((p): PartitionResponse | Promise<PartitionResponse> => {
        if (acks !== 0 && acks !== 1 && acks !== -1) {
          return errorOnly(
            p.index,
            ErrorCode.INVALID_REQUIRED_ACKS,
            `acks=${acks}`,
            ctx.apiVersion,
          );
        }
        const partition = core.partition(topic.name, p.index);
        if (!partition) {
          return errorOnly(p.index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null, ctx.apiVersion);
        }
        const result = appendToPartition(
          partition,
          p.records,
          durability,
          nowMs,
          ctx.apiVersion,
          core.txnVerifier,
        );
        core.noteAppend(partition);
        return result instanceof Promise
          ? result.then((r) => toWire(p.index, r, ctx.apiVersion))
          : toWire(p.index, result, ctx.apiVersion);
      }),
    }));
    const responses = [];
    for (const t of pending) {
      responses.push({ name: t.name, partitionResponses: await Promise.all(t.partitions) });
    }
    if (acks === 0) return null;
    return { responses, throttleTimeMs: 0 };
  },
});
