/**
 * InitProducerId (key 22), v0–v5. Without a transactional id: a fresh producer id with
 * epoch 0 from the durable allocator, every time (as Kafka does; a producer
 * re-initialising after KIP-360 errors simply gets a new id). With one: the transaction
 * coordinator bumps the id's epoch (fencing older instances), aborts a transaction the
 * previous instance left open, and validates transaction.timeout.ms against
 * transaction_max_timeout_ms (INVALID_TRANSACTION_TIMEOUT).
 * Leaves out: KIP-939 two-phase commit (v6 is not served).
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { ApiKey } from "../../protocol/messages/generated/apis.ts";
import { transactionsOf } from "../transactions/attach.ts";
import { defineHandler } from "./registry.ts";

export const initProducerIdHandler = defineHandler({
  apiKey: ApiKey.InitProducerId,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, request) {
    if (request.transactionalId !== null) {
      const txns = transactionsOf(ctx.core);
      if (!txns) {
        return {
          throttleTimeMs: 0,
          errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
          producerId: -1n,
          producerEpoch: -1,
        };
      }
      const r = await txns.coordinator.initProducerId(
        request.transactionalId,
        request.transactionTimeoutMs,
        { producerId: Number(request.producerId), producerEpoch: request.producerEpoch },
        ctx.apiVersion,
      );
      return {
        throttleTimeMs: 0,
        errorCode: r.errorCode,
        producerId: BigInt(r.producerId),
        producerEpoch: r.producerEpoch,
      };
    }
    const producerId = await ctx.core.allocateProducerId();
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      producerId: BigInt(producerId),
      producerEpoch: 0,
    };
  },
});
