/**
 * What AlterConfigs and IncrementalAlterConfigs share: resolving the resource, refusing
 * broker changes (our broker settings are static), validating and applying.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { validateTopicConfigs } from "../../storage/log-config.ts";
import type { BrokerCore } from "../core/broker-core.ts";
import { ResourceType } from "../core/config-resources.ts";

export interface ResourceResult {
  errorCode: number;
  errorMessage: string | null;
  resourceType: number;
  resourceName: string;
}

/**
 * Runs `compute` (current overrides → new overrides or an error message) for one resource
 * and stores the result unless `validateOnly`.
 */
export async function changeTopicConfigs(
  core: BrokerCore,
  resourceType: number,
  resourceName: string,
  validateOnly: boolean,
  compute: (
    current: Readonly<Record<string, string>>,
  ) => { ok: true; overrides: Record<string, string> } | { ok: false; message: string },
): Promise<ResourceResult> {
  const base = { resourceType, resourceName };
  if (resourceType === ResourceType.broker) {
    return {
      ...base,
      errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: "broker configs are static; set them in the config file",
    };
  }
  if (resourceType !== ResourceType.topic) {
    return {
      ...base,
      errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: `resource type ${resourceType} is not supported`,
    };
  }
  const topic = core.topic(resourceName);
  if (!topic) {
    return {
      ...base,
      errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      errorMessage: `topic "${resourceName}" does not exist`,
    };
  }
  const next = compute(topic.meta.configs);
  if (!next.ok) return { ...base, errorCode: ErrorCode.INVALID_CONFIG, errorMessage: next.message };
  const bad = validateTopicConfigs(next.overrides);
  if (bad !== null) return { ...base, errorCode: ErrorCode.INVALID_CONFIG, errorMessage: bad };
  if (validateOnly) return { ...base, errorCode: ErrorCode.NONE, errorMessage: null };
  const result = await core.setTopicConfigs(resourceName, next.overrides);
  if (result.error !== null)
    return { ...base, errorCode: ErrorCode[result.error], errorMessage: result.message };
  return { ...base, errorCode: ErrorCode.NONE, errorMessage: null };
}
