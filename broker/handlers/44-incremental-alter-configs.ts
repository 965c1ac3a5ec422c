/**
 * IncrementalAlterConfigs (key 44), v0–v1 (KIP-339): SET, DELETE, APPEND and SUBTRACT on
 * a topic's overrides; APPEND/SUBTRACT only on list configs, starting from the effective
 * value. Broker resources are refused (static settings).
 */
import { ApiKey } from "../../protocol/messages/generated/apis.ts";
import { applyIncremental } from "../core/config-resources.ts";
import { topicConfigValue } from "../core/topic-configs.ts";
import { changeTopicConfigs } from "./config-changes.ts";
import { defineHandler } from "./registry.ts";

export const incrementalAlterConfigsHandler = defineHandler({
  apiKey: ApiKey.IncrementalAlterConfigs,
  minVersion: 0,
  maxVersion: 1,
  async handle(ctx, request) {
    const { core } = ctx;
    const responses = [];
    for (const res of request.resources) {
      responses.push(
        await changeTopicConfigs(
          core,
          res.resourceType,
          res.resourceName,
          request.validateOnly,
          (current) =>
            applyIncremental(current, res.configs, (name) =>
              topicConfigValue(name, new Map(Object.entries(current)), core.config),
            ),
        ),
      );
    }
    return { throttleTimeMs: 0, responses };
  },
});
