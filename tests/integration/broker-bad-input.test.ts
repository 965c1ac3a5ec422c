/**
 * Hostile and broken input against a real broker process: each bad connection gets the
 * Kafka answer or is closed with a log line, and the broker keeps serving everyone else.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Reader } from "../../protocol/codec/reader.ts";
import { ErrorCode } from "../../protocol/errors.ts";
import { decodeResponseFrame, encodeRequestFrame } from "../../protocol/messages/frame.ts";
import { decodeApiVersionsResponse } from "../../protocol/messages/generated/api-versions.ts";
import { ApiKey } from "../../protocol/messages/generated/apis.ts";
import { type BrokerProcess, removeDir, startBrokerProcess } from "../helpers/broker-process.ts";
import { connectRaw, sized } from "../helpers/raw-client.ts";

let broker: BrokerProcess;

beforeAll(async () => {
  broker = await startBrokerProcess();
});

afterAll(async () => {
  await broker?.stop();
  if (broker) removeDir(broker.dataDir);
});

/** A well-behaved client on a fresh connection still gets its metadata. */
async function anotherClientStillWorks(): Promise<void> {
  const client = await connectRaw(broker.port);
  client.send(encodeRequestFrame(ApiKey.Metadata, 12, 7, "healthy", { topics: null }));
  const frame = await client.nextFrame();
  expect(frame).not.toBeNull();
  const response = decodeResponseFrame(ApiKey.Metadata, 12, frame!);
  expect(response.correlationId).toBe(7);
  expect(response.body.brokers[0]?.port).toBe(broker.port);
  client.end();
}

async function waitForLog(pattern: RegExp): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!pattern.test(broker.output()) && Date.now() < deadline) await Bun.sleep(20);
  expect(broker.output()).toMatch(pattern);
}

describe("bad input", () => {
  test("random bytes close the connection", async () => {
    const client = await connectRaw(broker.port);
    // Seeded garbage: a plausible size, then bytes whose "api key" (0x9d3c) does not exist.
    let x = 12345;
    const garbage = new Uint8Array(64).map(() => {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      return x & 0xff;
    });
    garbage[0] = 0x9d;
    garbage[1] = 0x3c;
    client.send(sized(garbage));
    expect(await client.closed()).toBe(true);
    await waitForLog(/closing connection.*unknown api key -25284/);
    await anotherClientStillWorks();
  });

  test("a frame claiming 2 GiB is refused before any allocation", async () => {
    const client = await connectRaw(broker.port);
    client.send(new Uint8Array([0x7f, 0xff, 0xff, 0xff, 0, 18, 0, 0]));
    expect(await client.closed()).toBe(true);
    await waitForLog(/frame larger than socket.request.max.bytes.*size=2147483647/);
    await anotherClientStillWorks();
  });

  test("a truncated request body closes the connection", async () => {
    const client = await connectRaw(broker.port);
    const whole = encodeRequestFrame(ApiKey.Metadata, 9, 1, "cut", { topics: [{ name: "x" }] });
    // Keep the header, drop the end of the body, and fix the size prefix to match.
    client.send(sized(whole.slice(4, whole.length - 3)));
    expect(await client.closed()).toBe(true);
    await waitForLog(/malformed Metadata v9 request/);
    await anotherClientStillWorks();
  });

  test("a frame cut off by the client's hang-up leaves the broker serving", async () => {
    const client = await connectRaw(broker.port);
    const whole = encodeRequestFrame(ApiKey.Metadata, 9, 1, "cut", { topics: null });
    client.send(whole.slice(0, whole.length - 5));
    client.end();
    await anotherClientStillWorks();
  });

  test("an unknown API key closes the connection", async () => {
    const client = await connectRaw(broker.port);
    const body = new Uint8Array([0x03, 0xe7, 0, 0, 0, 0, 0, 1, 0xff, 0xff]);
    client.send(sized(body));
    expect(await client.closed()).toBe(true);
    await waitForLog(/unknown api key 999/);
    await anotherClientStillWorks();
  });

  test("ApiVersions in a version from the future gets UNSUPPORTED_VERSION and our ranges (KIP-511)", async () => {
    const client = await connectRaw(broker.port);
    // Header v2 (flexible): key 18, version 99, correlation 42, client id "future", no tags.
    const body = new Uint8Array([
      0,
      18,
      0,
      99,
      0,
      0,
      0,
      42,
      0,
      6,
      ...new TextEncoder().encode("future"),
      0,
    ]);
    client.send(sized(body));
    const frame = await client.nextFrame();
    expect(frame).not.toBeNull();
    const r = new Reader(frame!);
    expect(r.int32()).toBe(42);
    const response = decodeApiVersionsResponse(r, 0);
    expect(response.errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    const produce = response.apiKeys.find((k) => k.apiKey === ApiKey.Produce);
    expect(produce).toEqual({ apiKey: 0, minVersion: 0, maxVersion: 11 } as never);
    client.end();
    await anotherClientStillWorks();
  });

  test("a known API in a version we do not serve closes the connection", async () => {
    const client = await connectRaw(broker.port);
    client.send(sized(new Uint8Array([0, 3, 0, 99, 0, 0, 0, 5, 0xff, 0xff, 0])));
    expect(await client.closed()).toBe(true);
    await waitForLog(/Metadata v99 is not supported/);
    await anotherClientStillWorks();
  });
});
