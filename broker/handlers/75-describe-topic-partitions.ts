/**
 * DescribeTopicPartitions (key 75), v0 (KIP-966): topics by name (or all when none are
 * named), sorted by name, paged by response_partition_limit with a cursor, as Kafka does.
 * No eligible leader replicas: the lists are empty.
 */

import { ZERO_UUID } from "../../protocol/codec/uuid.ts";
import { ErrorCode } from "../../protocol/errors.ts";
import { ApiKey } from "../../protocol/messages/generated/apis.ts";
import { describePartitions, isInternalTopic, OPERATIONS_OMITTED } from "../core/describe.ts";
import { defineHandler } from "./registry.ts";

export const describeTopicPartitionsHandler = defineHandler({
  apiKey: ApiKey.DescribeTopicPartitions,
  minVersion: 0,
  maxVersion: 0,
  handle(ctx, request) {
    const { core } = ctx;
    const names = (
      request.topics.length > 0
        ? request.topics.map((t) => t.name)
        : core.listTopics().map((t) => t.meta.name)
    ).sort();
    const cursor = request.cursor;
    let budget = Math.max(1, request.responsePartitionLimit);
    const topics = [];
    let nextCursor: { topicName: string; partitionIndex: number } | null = null;
    for (const name of names) {
      if (cursor && name < cursor.topicName) continue;
      const topic = core.topic(name);
      if (!topic) {
        topics.push({
          errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          name,
          topicId: ZERO_UUID,
          isInternal: false,
          partitions: [],
          topicAuthorizedOperations: OPERATIONS_OMITTED,
        });
        continue;
      }
      const from = cursor && name === cursor.topicName ? cursor.partitionIndex : 0;
      const all = describePartitions(core, topic).slice(from);
      if (budget <= 0) {
        nextCursor = { topicName: name, partitionIndex: from };
        break;
      }
      const partitions = all.slice(0, budget);
      budget -= partitions.length;
      topics.push({
        errorCode: ErrorCode.NONE,
        name,
        topicId: topic.meta.id,
        isInternal: isInternalTopic(name),
        partitions,
        topicAuthorizedOperations: OPERATIONS_OMITTED,
      });
      if (partitions.length < all.length) {
        nextCursor = { topicName: name, partitionIndex: from + partitions.length };
        break;
      }
    }
    return { throttleTimeMs: 0, topics, nextCursor };
  },
});
