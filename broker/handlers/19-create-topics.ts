/**
 * CreateTopics (key 19), v0–v7: partitions and replication factor (-1: broker defaults,
 * v4+), manual assignments (only this node can hold replicas), configs checked like
 * Kafka's INVALID_CONFIG, validate_only, and from v5 the created topic's configs in the
 * answer. Leaves out: the timeout (creation is synchronous) and CreateTopicPolicy.
 */

import { ZERO_UUID } from "../../protocol/codec/uuid.ts";
import { ErrorCode } from "../../protocol/errors.ts";
import { ApiKey } from "../../protocol/messages/generated/apis.ts";
import { resolveTopicConfigs } from "../core/topic-configs.ts";
import { defineHandler } from "./registry.ts";

export const createTopicsHandler = defineHandler({
  apiKey: ApiKey.CreateTopics,
  minVersion: 0,
  maxVersion: 7,
  async handle(ctx, request) {
    const { core, apiVersion } = ctx;
    const counts = new Map<string, number>();
    for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const topics = [];
    for (const t of request.topics) {
      const fail = (errorCode: number, errorMessage: string) => ({
        name: t.name,
        topicId: ZERO_UUID,
        errorCode,
        errorMessage,
        numPartitions: -1,
        replicationFactor: -1,
        configs: apiVersion >= 5 ? null : [],
      });
      if ((counts.get(t.name) ?? 0) > 1) {
        topics.push(fail(ErrorCode.INVALID_REQUEST, `topic "${t.name}" appears more than once`));
        continue;
      }
      let partitions = t.numPartitions;
      let replication = t.replicationFactor;
      if (t.assignments.length > 0) {
        if (partitions !== -1 || replication !== -1) {
          topics.push(
            fail(ErrorCode.INVALID_REQUEST, "give either assignments or counts, not both"),
          );
          continue;
        }
        const bad = t.assignments.find(
          (a) => a.brokerIds.length !== 1 || a.brokerIds[0] !== core.nodeId,
        );
        if (bad) {
          topics.push(
            fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `only broker ${core.nodeId} exists`),
          );
          continue;
        }
        partitions = t.assignments.length;
        replication = 1;
      }
      if (partitions === -1) partitions = core.config.num_partitions;
      if (replication === -1) replication = core.config.default_replication_factor;
      const configs: Record<string, string> = {};
      for (const c of t.configs) if (c.value !== null) configs[c.name] = c.value;
      const result = request.validateOnly
        ? core.checkNewTopic(t.name, partitions, replication, configs)
        : await core.createTopic(t.name, partitions, replication, configs);
      if (result.error !== null) {
        topics.push(fail(ErrorCode[result.error], result.message));
        continue;
      }
      const created = request.validateOnly ? undefined : core.topic(t.name);
      topics.push({
        name: t.name,
        topicId: created?.meta.id ?? ZERO_UUID,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        numPartitions: partitions,
        replicationFactor: replication,
        configs: resolveTopicConfigs(new Map(Object.entries(configs)), core.config).map((c) => ({
          name: c.name,
          value: c.value,
          readOnly: false,
          configSource: c.source,
          isSensitive: false,
        })),
      });
    }
    return { throttleTimeMs: 0, topics };
  },
});
