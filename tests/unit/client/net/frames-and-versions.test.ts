import { describe, expect, test } from "bun:test";
import { ClientError } from "../../../../client/errors.ts";
import { parseBrokerList } from "../../../../client/net/address.ts";
import { pickVersion } from "../../../../client/net/api-versions.ts";
import { FrameSplitter } from "../../../../client/net/frames.ts";

function frame(body: number[]): number[] {
  const n = body.length;
  return [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff, ...body];
}

describe("response framing", () => {
  test("frames split at any byte boundary come out whole and in order", () => {
    const stream = Uint8Array.from([...frame([1, 2, 3]), ...frame([]), ...frame([9, 8])]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const got: number[][] = [];
      const f = new FrameSplitter(1024);
      f.push(stream.subarray(0, cut), (b) => got.push([...b]));
      f.push(stream.subarray(cut), (b) => got.push([...b]));
      expect(got).toEqual([[1, 2, 3], [], [9, 8]]);
    }
  });

  test("one byte at a time works too", () => {
    const stream = Uint8Array.from(frame([5, 6, 7, 8, 9]));
    const got: number[][] = [];
    const f = new FrameSplitter(1024);
    for (const b of stream) f.push(Uint8Array.of(b), (x) => got.push([...x]));
    expect(got).toEqual([[5, 6, 7, 8, 9]]);
  });

  test("a frame over the size limit is a protocol error before anything is allocated", () => {
    const f = new FrameSplitter(100);
    expect(() => f.push(Uint8Array.from([0x7f, 0xff, 0xff, 0xff]), () => {})).toThrow(ClientError);
  });
});

describe("version negotiation", () => {
  test("picks the highest version both sides support", () => {
    expect(pickVersion({ min: 3, max: 11 }, { min: 0, max: 9 })).toBe(9);
    expect(pickVersion({ min: 0, max: 4 }, { min: 0, max: 12 })).toBe(4);
  });

  test("no overlap or a missing API yields -1", () => {
    expect(pickVersion({ min: 3, max: 11 }, { min: 0, max: 2 })).toBe(-1);
    expect(pickVersion({ min: 0, max: 4 }, undefined)).toBe(-1);
  });
});

describe("broker lists", () => {
  test("host:port lists, IPv6 in brackets, default port 9092", () => {
    expect(parseBrokerList("a:1, b:2,[::1]:3,c")).toEqual([
      { host: "a", port: 1 },
      { host: "b", port: 2 },
      { host: "::1", port: 3 },
      { host: "c", port: 9092 },
    ]);
  });

  test("a bad port is an invalid_argument error", () => {
    expect(() => parseBrokerList("a:99999")).toThrow("invalid broker address");
    expect(() => parseBrokerList(" , ")).toThrow("no broker addresses");
  });
});
