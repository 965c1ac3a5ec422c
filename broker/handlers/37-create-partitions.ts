/**
 * CreatePartitions (key 37), v0–v3: grows a topic's partition count, validate_only
 * supported; assignments may only name this node. Leaves out: the timeout (synchronous).
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { ApiKey } from "../../protocol/messages/generated/apis.ts";
import { defineHandler } from "./registry.ts";

export const createPartitionsHandler = defineHandler({
  apiKey: ApiKey.CreatePartitions,
  minVersion: 0,
  maxVersion: 3,
  async handle(ctx, request) {
    const { core } = ctx;
    const counts = new Map<string, number>();
    for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const results = [];
    for (const t of request.topics) {
      if ((counts.get(t.name) ?? 0) > 1) {
        results.push({
          name: t.name,
          errorCode: ErrorCode.INVALID_REQUEST,
          errorMessage: "duplicate topic",
        });
        continue;
      }
      if (t.assignments?.some((a) => a.brokerIds.some((id) => id !== core.nodeId))) {
        results.push({
          name: t.name,
          errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT,
          errorMessage: `only broker ${core.nodeId} exists`,
        });
        continue;
      }
      const result = request.validateOnly
        ? core.checkPartitionCount(t.name, t.count)
        : await core.createPartitions(t.name, t.count);
      results.push({
        name: t.name,
        errorCode: result.error === null ? ErrorCode.NONE : ErrorCode[result.error],
        errorMessage: result.error === null ? null : result.message,
      });
    }
    return { throttleTimeMs: 0, results };
  },
});
