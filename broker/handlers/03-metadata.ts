/**
 * Metadata (key 3), v0–v12. One broker, leader of everything, epoch 0. Unknown topics are
 * created when the request allows it (v4+ allowAutoTopicCreation) and the broker has
 * auto_create_topics_enable, with num_partitions; unlike Kafka the answer already carries
 * the new topic instead of LEADER_NOT_AVAILABLE, since creation here is synchronous.
 * v10+ lookups by topic id are answered; authorized operations are allow-all.
 */

import { ZERO_UUID } from "../../protocol/codec/uuid.ts";
import { ErrorCode } from "../../protocol/errors.ts";
import { ApiKey } from "../../protocol/messages/generated/apis.ts";
import type { TopicState } from "../core/broker-core.ts";
import {
  CLUSTER_OPERATIONS_ALL,
  describePartitions,
  isInternalTopic,
  OPERATIONS_OMITTED,
  TOPIC_OPERATIONS_ALL,
  thisNode,
} from "../core/describe.ts";
import { defineHandler } from "./registry.ts";

export const metadataHandler = defineHandler({
  apiKey: ApiKey.Metadata,
  minVersion: 0,
  maxVersion: 12,
  async handle(ctx, request) {
    const { core, apiVersion } = ctx;
    const topicOps =
      apiVersion >= 8 && request.includeTopicAuthorizedOperations
        ? TOPIC_OPERATIONS_ALL
        : OPERATIONS_OMITTED;
    const describe = (t: TopicState) => ({
      errorCode: ErrorCode.NONE,
      name: t.meta.name,
      topicId: t.meta.id,
      isInternal: isInternalTopic(t.meta.name),
      partitions: describePartitions(core, t),
      topicAuthorizedOperations: topicOps,
    });
    const all = request.topics === null || (apiVersion === 0 && request.topics.length === 0);
    const topics = [];
    if (all) {
      for (const t of core.listTopics()) topics.push(describe(t));
    } else {
      const autoCreate =
        core.config.auto_create_topics_enable && (apiVersion < 4 || request.allowAutoTopicCreation);
      for (const wanted of request.topics ?? []) {
        if (wanted.name === null) {
          const t = core.topicById(wanted.topicId);
          topics.push(
            t
              ? describe(t)
              : {
                  errorCode: ErrorCode.UNKNOWN_TOPIC_ID,
                  name: null,
                  topicId: wanted.topicId,
                  isInternal: false,
                  partitions: [],
                  topicAuthorizedOperations: topicOps,
                },
          );
          continue;
        }
        let t = core.topic(wanted.name);
        let errorCode: number = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        if (!t && autoCreate) {
          const created = await core.createTopic(wanted.name, -1, -1, {});
          if (created.error === null) t = created.topic;
          else if (created.error === "TOPIC_ALREADY_EXISTS") {
            // Another request is creating it right now: retriable, as Kafka answers.
            t = core.topic(wanted.name);
            errorCode = ErrorCode.LEADER_NOT_AVAILABLE;
          } else errorCode = ErrorCode[created.error];
        }
        topics.push(
          t
            ? describe(t)
            : {
                errorCode,
                name: wanted.name,
                topicId: ZERO_UUID,
                isInternal: false,
                partitions: [],
                topicAuthorizedOperations: topicOps,
              },
        );
      }
    }
    return {
      throttleTimeMs: 0,
      brokers: [thisNode(core)],
      clusterId: core.clusterId,
      controllerId: core.nodeId,
      topics,
      clusterAuthorizedOperations:
        apiVersion >= 8 && apiVersion <= 10 && request.includeClusterAuthorizedOperations
          ? CLUSTER_OPERATIONS_ALL
          : OPERATIONS_OMITTED,
    };
  },
});
