/**
 * DeleteTopics (key 20), v0–v6: by name, and from v6 by topic id. Deletion is immediate
 * (metadata, then the partition data); fetches waiting on the topic wake up and see it
 * gone. Leaves out: the timeout (deletion is synchronous).
 */

import { ZERO_UUID } from "../../protocol/codec/uuid.ts";
import { ErrorCode } from "../../protocol/errors.ts";
import { ApiKey } from "../../protocol/messages/generated/apis.ts";
import { defineHandler } from "./registry.ts";

export const deleteTopicsHandler = defineHandler({
  apiKey: ApiKey.DeleteTopics,
  minVersion: 0,
  maxVersion: 6,
  async handle(ctx, request) {
    const { core, apiVersion } = ctx;
    const wanted =
      apiVersion >= 6
        ? request.topics
        : request.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
    const responses = [];
    for (const w of wanted) {
      const byId = w.name === null || w.name === "";
      const topic = byId ? core.topicById(w.topicId) : core.topic(w.name!);
      if (!topic) {
        responses.push({
          name: w.name,
          topicId: w.topicId,
          errorCode: byId ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          errorMessage: null,
        });
        continue;
      }
      const result = await core.deleteTopic(topic.meta.name);
      responses.push({
        name: topic.meta.name,
        topicId: apiVersion >= 6 ? topic.meta.id : ZERO_UUID,
        errorCode: result.error === null ? ErrorCode.NONE : ErrorCode[result.error],
        errorMessage: result.error === null ? null : result.message,
      });
    }
    return { throttleTimeMs: 0, responses };
  },
});
