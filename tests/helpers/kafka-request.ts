/** Send one typed request over a raw connection and decode the typed answer. */
import type { Input } from "../../protocol/codec/generated-support.ts";
import { decodeResponseFrame, encodeRequestFrame } from "../../protocol/messages/frame.ts";
import type {
  ApiKey,
  ApiRequestMap,
  ApiResponseMap,
} from "../../protocol/messages/generated/apis.ts";
import type { RawClient } from "./raw-client.ts";

let correlation = 1;

export async function request<K extends ApiKey>(
  client: RawClient,
  apiKey: K,
  version: number,
  body: Input<ApiRequestMap[K]>,
): Promise<ApiResponseMap[K]> {
  const id = correlation++;
  client.send(encodeRequestFrame(apiKey, version, id, "datacore-test", body));
  const frame = await client.nextFrame(15_000);
  if (frame === null) throw new Error(`no response to api ${apiKey} v${version}`);
  const response = decodeResponseFrame(apiKey, version, frame);
  if (response.correlationId !== id)
    throw new Error(`correlation ${response.correlationId} != ${id}`);
  return response.body;
}
