/**
 * DescribeConfigs (key 32), v0–v4: every topic config with its effective value, source and
 * (when asked) synonyms, type and documentation; the broker's settings under Kafka's names
 * (all static, read-only). Leaves out: BROKER_LOGGER resources (INVALID_REQUEST) and
 * sensitive configs (there are none yet).
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { ApiKey } from "../../protocol/messages/generated/apis.ts";
import { brokerConfigEntries, ResourceType } from "../core/config-resources.ts";
import { ConfigSource, ConfigType, resolveTopicConfigs } from "../core/topic-configs.ts";
import { defineHandler } from "./registry.ts";

interface Entry {
  name: string;
  value: string;
  readOnly: boolean;
  source: number;
  type: keyof typeof ConfigType;
  doc: string;
  synonyms: { name: string; value: string; source: number }[];
}

export const describeConfigsHandler = defineHandler({
  apiKey: ApiKey.DescribeConfigs,
  minVersion: 0,
  maxVersion: 4,
  handle(ctx, request) {
    const { core, apiVersion } = ctx;
    const results = request.resources.map((res) => {
      const base = { resourceType: res.resourceType, resourceName: res.resourceName };
      let entries: Entry[];
      if (res.resourceType === ResourceType.topic) {
        const topic = core.topic(res.resourceName);
        if (!topic) {
          return {
            ...base,
            errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
            errorMessage: `topic "${res.resourceName}" does not exist`,
            configs: [],
          };
        }
        entries = resolveTopicConfigs(topic.overrides, core.config).map((c) => ({
          ...c,
          readOnly: false,
        }));
      } else if (res.resourceType === ResourceType.broker) {
        if (res.resourceName !== "" && res.resourceName !== String(core.nodeId)) {
          return {
            ...base,
            errorCode: ErrorCode.INVALID_REQUEST,
            errorMessage: `this is broker ${core.nodeId}`,
            configs: [],
          };
        }
        entries = brokerConfigEntries(core.config, core.advertised).map((e) => {
          const source =
            e.value === e.kafkaDefault ? ConfigSource.default : ConfigSource.staticBroker;
          return {
            name: e.name,
            value: e.value,
            readOnly: true,
            source,
            type: e.type,
            doc: e.doc,
            synonyms: [{ name: e.name, value: e.value, source }],
          };
        });
      } else {
        return {
          ...base,
          errorCode: ErrorCode.INVALID_REQUEST,
          errorMessage: `resource type ${res.resourceType} is not supported`,
          configs: [],
        };
      }
      const keys = res.configurationKeys;
      if (keys !== null) entries = entries.filter((e) => keys.includes(e.name));
      return {
        ...base,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        configs: entries.map((e) => ({
          name: e.name,
          value: e.value,
          readOnly: e.readOnly,
          ...(apiVersion === 0
            ? { isDefault: e.source === ConfigSource.default }
            : { configSource: e.source }),
          isSensitive: false,
          synonyms: apiVersion >= 1 && request.includeSynonyms ? e.synonyms : [],
          configType: ConfigType[e.type],
          documentation: request.includeDocumentation ? e.doc : null,
        })),
      };
    });
    return { throttleTimeMs: 0, results };
  },
});
