/**
 * InitProducerId (key 22), v0–v5, for idempotent producers: a fresh producer id with
 * epoch 0 from the durable allocator, every time (as Kafka does without a transactional
 * id; a producer re-initialising after KIP-360 errors simply gets a new id).
 * Leaves out: transactional ids. Until the transaction coordinator lands, a request with
 * one is answered TRANSACTIONAL_ID_AUTHORIZATION_FAILED, which clients treat as fatal
 * rather than retrying forever.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { ApiKey } from "../../protocol/messages/generated/apis.ts";
import { defineHandler } from "./registry.ts";

export const initProducerIdHandler = defineHandler({
  apiKey: ApiKey.InitProducerId,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, request) {
    if (request.transactionalId !== null) {
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
        producerId: -1n,
        producerEpoch: -1,
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
