/**
 * FindCoordinator (key 10), v0–v6: this single node coordinates every group and every
 * transactional id (the group coordinator in broker/groups/, the transaction coordinator
 * in broker/transactions/). v4+ batches keys.
 * Leaves out: share-group keys (type 2, KIP-932) — INVALID_REQUEST.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { ApiKey } from "../../protocol/messages/generated/apis.ts";
import { groupCoordinatorOf } from "../groups/attach.ts";
import { defineHandler } from "./registry.ts";

const KEY_GROUP = 0;
const KEY_TRANSACTION = 1;

export const findCoordinatorHandler = defineHandler({
  apiKey: ApiKey.FindCoordinator,
  minVersion: 0,
  maxVersion: 6,
  handle(ctx, request) {
    const { core } = ctx;
    const answer = (key: string) => {
      if (request.keyType !== KEY_GROUP && request.keyType !== KEY_TRANSACTION) {
        return {
          key,
          errorCode: ErrorCode.INVALID_REQUEST,
          errorMessage: `key type ${request.keyType} is not supported`,
          nodeId: -1,
          host: "",
          port: -1,
        };
      }
      if (request.keyType === KEY_GROUP && groupCoordinatorOf(core) === undefined) {
        return {
          key,
          errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
          errorMessage: "the group coordinator is not running",
          nodeId: -1,
          host: "",
          port: -1,
        };
      }
      return {
        key,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        nodeId: core.nodeId,
        host: core.advertised.host,
        port: core.advertised.port,
      };
    };
    if (ctx.apiVersion >= 4) {
      return { throttleTimeMs: 0, coordinators: request.coordinatorKeys.map(answer) };
    }
    const a = answer(request.key);
    return {
      throttleTimeMs: 0,
      errorCode: a.errorCode,
      errorMessage: a.errorMessage,
      nodeId: a.nodeId,
      host: a.host,
      port: a.port,
    };
  },
});
