/**
 * Interop vectors: request frames captured from real clients (librdkafka, kafka-python,
 * kafkajs) decode without error, and re-encoding the decoded request gives the same bytes.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { decodeRequestFrame, encodeRequestFrame } from "../../../protocol/messages/frame.ts";
import { ApiKey } from "../../../protocol/messages/generated/apis.ts";
import { defaultMessagesDir } from "./schema-arbitrary.ts";

interface Capture {
  client: string;
  client_id: string;
  api_key: number;
  api_version: number;
  frame_hex: string;
}

const path = resolve(defaultMessagesDir(), "..", "captures", "client-requests.jsonl");
const captures: Capture[] = readFileSync(path, "utf8")
  .split("\n")
  .filter((l) => l.trim() !== "")
  .map((l) => JSON.parse(l) as Capture);

describe("captured client requests", () => {
  test("the capture file has frames from every client", () => {
    expect(captures.length).toBeGreaterThan(200);
    const clients = new Set(captures.map((c) => c.client.split(" ")[0]));
    expect(clients.size).toBeGreaterThanOrEqual(3);
  });

  for (const [i, c] of captures.entries()) {
    test(`#${i} ${c.client} api ${c.api_key} v${c.api_version}`, () => {
      const frame = Uint8Array.from(Buffer.from(c.frame_hex, "hex"));
      const decoded = decodeRequestFrame(frame);
      expect(decoded.apiKey as number).toBe(c.api_key);
      expect(decoded.apiVersion).toBe(c.api_version);
      expect(decoded.header.clientId).toBe(c.client_id);
      const again = encodeRequestFrame(
        decoded.apiKey,
        decoded.apiVersion,
        decoded.header.correlationId,
        decoded.header.clientId,
        decoded.body as never,
      );
      expect(Buffer.from(again.subarray(4)).toString("hex")).toBe(c.frame_hex);
      expect(new DataView(again.buffer).getInt32(0)).toBe(frame.length);
    });
  }

  test("produce requests carry their record batches as zero-copy views of the frame", () => {
    const c = captures.find((x) => x.api_key === ApiKey.Produce)!;
    const frame = Uint8Array.from(Buffer.from(c.frame_hex, "hex"));
    const decoded = decodeRequestFrame(frame);
    if (decoded.apiKey !== ApiKey.Produce) throw new Error("not a produce request");
    const records = decoded.body.topicData[0]!.partitionData[0]!.records!;
    expect(records.buffer).toBe(frame.buffer);
    // Record batch v2: magic byte 2 at offset 16.
    expect(records[16]).toBe(2);
  });
});
