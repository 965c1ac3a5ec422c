/**
 * ApiVersions (key 18), v0–v4. Answers from the handler registry, so only versions a
 * handler serves are advertised. Leaves out: feature flags (supportedFeatures and
 * finalizedFeatures stay empty; there is no metadata.version to negotiate on one node)
 * and the v3+ client software name/version checks (accepted as sent).
 * An unsupported ApiVersions version never reaches here: the pipeline answers it (KIP-511).
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { ApiKey } from "../../protocol/messages/generated/apis.ts";
import { defineHandler } from "./registry.ts";

export const apiVersionsHandler = defineHandler({
  apiKey: ApiKey.ApiVersions,
  minVersion: 0,
  maxVersion: 4,
  handle(ctx) {
    return {
      errorCode: ErrorCode.NONE,
      apiKeys: ctx.registry.versions(),
      throttleTimeMs: 0,
    };
  },
});
