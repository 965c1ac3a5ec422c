/**
 * Headers and whole frames as a broker and a client see them: header versions chosen from
 * the API table (ControlledShutdown v0 quirk, KIP-511 for ApiVersions), the legacy client id
 * in flexible headers, typed request dispatch, and the fields-absent-in-version rule.
 */
import { describe, expect, test } from "bun:test";
import { ProtocolError } from "../../../protocol/codec/errors.ts";
import { Reader } from "../../../protocol/codec/reader.ts";
import { Writer } from "../../../protocol/codec/writer.ts";
import { ErrorCode, errorInfo, errorName, isRetriable } from "../../../protocol/errors.ts";
import {
  decodeRequestFrame,
  decodeResponseFrame,
  encodeRequestFrame,
  encodeResponseFrame,
  responseCorrelationId,
  writeResponseFrame,
} from "../../../protocol/messages/frame.ts";
import { encodeApiVersionsResponse } from "../../../protocol/messages/generated/api-versions.ts";
import { API_KEYS, API_TABLE, ApiKey, apiInfo } from "../../../protocol/messages/generated/apis.ts";
import { encodeMetadataRequest } from "../../../protocol/messages/generated/metadata.ts";
import {
  decodeRequestHeader,
  requestHeaderVersion,
  responseHeaderVersion,
} from "../../../protocol/messages/headers.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("header versions", () => {
  test("flexible API versions use request header v2 and response header v1", () => {
    expect(requestHeaderVersion(ApiKey.Produce, 8)).toBe(1);
    expect(requestHeaderVersion(ApiKey.Produce, 9)).toBe(2);
    expect(responseHeaderVersion(ApiKey.Produce, 8)).toBe(0);
    expect(responseHeaderVersion(ApiKey.Produce, 9)).toBe(1);
    expect(requestHeaderVersion(ApiKey.ControlledShutdown, 0)).toBe(0);
    expect(requestHeaderVersion(ApiKey.ControlledShutdown, 1)).toBe(1);
  });

  test("ApiVersions responses always use header v0, even for versions the table lacks", () => {
    expect(responseHeaderVersion(ApiKey.ApiVersions, 3)).toBe(0);
    expect(responseHeaderVersion(ApiKey.ApiVersions, 99)).toBe(0);
    expect(requestHeaderVersion(ApiKey.ApiVersions, 99)).toBe(2);
  });

  test("an unknown api key is a ProtocolError unknown_api", () => {
    expect(() => requestHeaderVersion(999, 0)).toThrow(ProtocolError);
    const frame = Uint8Array.from([0x03, 0xe7, 0, 0, 0, 0, 0, 1]);
    expect(() => decodeRequestFrame(frame)).toThrow(
      expect.objectContaining({ code: "unknown_api" }),
    );
  });

  test("the client id stays an int16-prefixed string in header v2", () => {
    const frame = encodeRequestFrame(ApiKey.ApiVersions, 3, 1, "ab", {
      clientSoftwareName: "x",
      clientSoftwareVersion: "1",
    });
    // size | key 0012 | version 0003 | correlation 00000001 | client id 0002 6162 | tags 00 | body
    expect(hex(frame.subarray(4, 17))).toBe("00120003000000010002616200");
    const header = decodeRequestHeader(new Reader(frame.subarray(4)));
    expect(header.clientId).toBe("ab");
  });
});

describe("frames", () => {
  test("a request frame decodes to a body typed by its api key", () => {
    const frame = encodeRequestFrame(ApiKey.Metadata, 12, 42, "c", {
      topics: [{ name: "orders", topicId: "AAAAAAAAAAAAAAAAAAAAAA" }],
      allowAutoTopicCreation: true,
    });
    expect(new DataView(frame.buffer).getInt32(0)).toBe(frame.length - 4);
    const decoded = decodeRequestFrame(frame.subarray(4));
    expect(decoded.header.correlationId).toBe(42);
    if (decoded.apiKey !== ApiKey.Metadata) throw new Error("wrong api");
    expect(decoded.body.topics?.[0]?.name).toBe("orders");
    expect(decoded.body.allowAutoTopicCreation).toBe(true);
  });

  test("a response frame round-trips and exposes its correlation id up front", () => {
    const frame = encodeResponseFrame(ApiKey.ApiVersions, 3, 77, {
      errorCode: 0,
      apiKeys: API_KEYS.map((k) => ({
        apiKey: k,
        minVersion: API_TABLE[k].minVersion,
        maxVersion: API_TABLE[k].maxVersion,
      })),
    });
    const body = frame.subarray(4);
    expect(responseCorrelationId(body)).toBe(77);
    const decoded = decodeResponseFrame(ApiKey.ApiVersions, 3, body);
    expect(decoded.correlationId).toBe(77);
    expect(decoded.body.apiKeys.length).toBe(API_KEYS.length);
    expect(decoded.body.apiKeys[0]).toEqual(
      expect.objectContaining({ apiKey: 0, minVersion: 0, maxVersion: 11 }),
    );
  });

  test("several frames can be appended to one writer and sent without a copy", () => {
    const w = new Writer();
    writeResponseFrame(w, ApiKey.Heartbeat, 4, 1, { errorCode: 0 });
    writeResponseFrame(w, ApiKey.Heartbeat, 4, 2, { errorCode: ErrorCode.REBALANCE_IN_PROGRESS });
    const out = w.view();
    const first = new DataView(out.buffer).getInt32(0);
    const a = decodeResponseFrame(ApiKey.Heartbeat, 4, out.subarray(4, 4 + first));
    const b = decodeResponseFrame(ApiKey.Heartbeat, 4, out.subarray(8 + first));
    expect([a.correlationId, a.body.errorCode]).toEqual([1, 0]);
    expect([b.correlationId, b.body.errorCode]).toEqual([2, ErrorCode.REBALANCE_IN_PROGRESS]);
  });

  test("trailing bytes after a body are rejected", () => {
    const frame = encodeRequestFrame(ApiKey.ListGroups, 2, 1, null, {});
    const padded = new Uint8Array(frame.length - 4 + 1);
    padded.set(frame.subarray(4));
    expect(() => decodeRequestFrame(padded)).toThrow(
      expect.objectContaining({ code: "invalid_length" }),
    );
  });

  test("versions outside the table are unsupported_version", () => {
    const frame = encodeRequestFrame(ApiKey.Produce, 9, 1, null, {});
    const bytes = frame.slice(4);
    new DataView(bytes.buffer).setInt16(2, 99);
    expect(() => decodeRequestFrame(bytes)).toThrow(
      expect.objectContaining({ code: "unsupported_version" }),
    );
  });
});

describe("fields absent in the chosen version", () => {
  test("a non-default, non-ignorable field the version lacks throws unsupported_version", () => {
    const w = new Writer();
    // AllowAutoTopicCreation exists from Metadata v4 and is not ignorable.
    expect(() =>
      encodeMetadataRequest(w, { topics: [], allowAutoTopicCreation: false }, 3),
    ).toThrow(expect.objectContaining({ code: "unsupported_version" }));
  });

  test("default values and ignorable fields are silently skipped", () => {
    const w = new Writer();
    encodeMetadataRequest(w, { topics: [], allowAutoTopicCreation: true }, 3);
    expect(hex(w.finish())).toBe("00000000");
    // ApiVersionsResponse.ThrottleTimeMs (v1+) is ignorable: dropped in v0.
    encodeApiVersionsResponse(w, { errorCode: 0, apiKeys: [], throttleTimeMs: 100 }, 0);
    expect(hex(w.finish())).toBe("0000" + "00000000");
    // IncludeClusterAuthorizedOperations (v8-10) is not: set in v11 it throws.
    expect(() =>
      encodeMetadataRequest(w, { topics: null, includeClusterAuthorizedOperations: true }, 11),
    ).toThrow(expect.objectContaining({ code: "unsupported_version" }));
  });

  test("a null in a version where the field is not nullable is rejected", () => {
    const w = new Writer();
    // Metadata topics became nullable in v1.
    expect(() => encodeMetadataRequest(w, { topics: null }, 0)).toThrow(
      expect.objectContaining({ code: "invalid_value" }),
    );
  });
});

describe("API table and error codes", () => {
  test("the table covers every api key with its version range and flexible version", () => {
    expect(API_KEYS.length).toBe(Object.keys(API_TABLE).length);
    expect(apiInfo(ApiKey.Produce)).toEqual(
      expect.objectContaining({ name: "Produce", minVersion: 0, maxVersion: 11, flexibleFrom: 9 }),
    );
    expect(apiInfo(ApiKey.Fetch)?.flexibleFrom).toBe(12);
    expect(apiInfo(ApiKey.ApiVersions)?.listeners).toContain("broker");
    expect(apiInfo(12345)).toBeUndefined();
    expect(API_KEYS.filter((k) => API_TABLE[k].latestVersionUnstable).length).toBeGreaterThan(0);
  });

  test("error codes carry Kafka's names, messages and retriable flags", () => {
    expect(ErrorCode.NONE).toBe(0);
    expect(ErrorCode.UNKNOWN_SERVER_ERROR).toBe(-1);
    expect(ErrorCode.NOT_LEADER_OR_FOLLOWER).toBe(6);
    expect(errorName(3)).toBe("UNKNOWN_TOPIC_OR_PARTITION");
    expect(errorInfo(ErrorCode.OFFSET_OUT_OF_RANGE)?.message).toContain("not within the range");
    expect(isRetriable(ErrorCode.NOT_LEADER_OR_FOLLOWER)).toBe(true);
    expect(isRetriable(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS)).toBe(true);
    expect(isRetriable(ErrorCode.TOPIC_AUTHORIZATION_FAILED)).toBe(false);
    expect(isRetriable(ErrorCode.UNKNOWN_SERVER_ERROR)).toBe(false);
    expect(errorName(31337)).toBe("UNKNOWN_ERROR_31337");
  });
});
