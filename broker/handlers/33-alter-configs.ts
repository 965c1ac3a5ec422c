/**
 * AlterConfigs (key 33), v0–v2: replaces a topic's overrides with exactly the given set
 * (the legacy, non-incremental semantics). Broker resources are refused: our broker
 * settings are static (config file, environment, flags).
 */
import { ApiKey } from "../../protocol/messages/generated/apis.ts";
import { changeTopicConfigs } from "./config-changes.ts";
import { defineHandler } from "./registry.ts";

export const alterConfigsHandler = defineHandler({
  apiKey: ApiKey.AlterConfigs,
  minVersion: 0,
  maxVersion: 2,
  async handle(ctx, request) {
    const responses = [];
    for (const res of request.resources) {
      responses.push(
        await changeTopicConfigs(
          ctx.core,
          res.resourceType,
          res.resourceName,
          request.validateOnly,
          () => {
            const overrides: Record<string, string> = {};
            for (const c of res.configs) if (c.value !== null) overrides[c.name] = c.value;
            return { ok: true, overrides };
          },
        ),
      );
    }
    return { throttleTimeMs: 0, responses };
  },
});
