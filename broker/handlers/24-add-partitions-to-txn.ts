/**
 * AddPartitionsToTxn (key 24), v0–v5: adds partitions to the producer's transaction
 * (starting one), persisted to `__transaction_state` before the answer. v4+ batches
 * several transactional ids and has KIP-890's verify-only form (is the partition already
 * in the transaction? INVALID_TXN_STATE if not), meant for brokers.
 * A partition that does not exist → UNKNOWN_TOPIC_OR_PARTITION and the others of that
 * transaction OPERATION_NOT_ATTEMPTED, as in Kafka.
 * Leaves out: TV2 implicit adds (produce does not add partitions by itself).
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { ApiKey } from "../../protocol/messages/generated/apis.ts";
import type { BrokerCore } from "../core/broker-core.ts";
import { transactionsOf } from "../transactions/attach.ts";
import type { PartitionCodes, TopicPartitionsRequest } from "../transactions/coordinator.ts";
import { defineHandler } from "./registry.ts";

interface OneTxn {
  transactionalId: string;
  producerId: bigint;
  producerEpoch: number;
  verifyOnly: boolean;
  topics: TopicPartitionsRequest[];
}

function uniform(topics: readonly TopicPartitionsRequest[], code: number): PartitionCodes {
  return topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((partition) => ({ partition, errorCode: code })),
  }));
}

async function handleOne(
  core: BrokerCore,
  txn: OneTxn,
  apiVersion: number,
): Promise<PartitionCodes> {
  const txns = transactionsOf(core);
  if (!txns) return uniform(txn.topics, ErrorCode.COORDINATOR_NOT_AVAILABLE);
  const pid = Number(txn.producerId);
  if (txn.verifyOnly) {
    return txns.coordinator.verifyPartitions(
      txn.transactionalId,
      pid,
      txn.producerEpoch,
      txn.topics,
    );
  }
  const unknown = (t: string, p: number) => core.partition(t, p) === undefined;
  if (txn.topics.some((t) => t.partitions.some((p) => unknown(t.name, p)))) {
    return txn.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((partition) => ({
        partition,
        errorCode: unknown(t.name, partition)
          ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
          : ErrorCode.OPERATION_NOT_ATTEMPTED,
      })),
    }));
  }
  const code = await txns.coordinator.addPartitions(
    txn.transactionalId,
    pid,
    txn.producerEpoch,
    txn.topics,
    apiVersion,
  );
  return uniform(txn.topics, code);
}

function toWire(codes: PartitionCodes) {
  return codes.map((t) => ({
    name: t.name,
    resultsByPartition: t.partitions.map((p) => ({
      partitionIndex: p.partition,
      partitionErrorCode: p.errorCode,
    })),
  }));
}

export const addPartitionsToTxnHandler = defineHandler({
  apiKey: ApiKey.AddPartitionsToTxn,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, request) {
    if (ctx.apiVersion <= 3) {
      const codes = await handleOne(
        ctx.core,
        {
          transactionalId: request.v3AndBelowTransactionalId,
          producerId: request.v3AndBelowProducerId,
          producerEpoch: request.v3AndBelowProducerEpoch,
          verifyOnly: false,
          topics: request.v3AndBelowTopics,
        },
        ctx.apiVersion,
      );
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.NONE,
        resultsByTransaction: [],
        resultsByTopicV3AndBelow: toWire(codes),
      };
    }
    const results = await Promise.all(
      request.transactions.map(async (t) => ({
        transactionalId: t.transactionalId,
        topicResults: toWire(await handleOne(ctx.core, t, ctx.apiVersion)),
      })),
    );
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      resultsByTransaction: results,
      resultsByTopicV3AndBelow: [],
    };
  },
});
