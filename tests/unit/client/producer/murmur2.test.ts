import { describe, expect, test } from "bun:test";
import { murmur2, toPositive } from "../../../../client/producer/murmur2.ts";
import { partitionForKey, StickyPartitioner } from "../../../../client/producer/partitioner.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

// Values asserted by Apache Kafka's own UtilsTest.testMurmur2 (Java client), plus the
// "1".."12345" vectors other Java-compatible ports check against Utils.murmur2.
const JAVA_VECTORS: [string, number][] = [
  ["21", -973932308],
  ["foobar", -790332482],
  ["a-little-bit-long-string", -985981536],
  ["a-little-bit-longer-string", -1486304829],
  ["lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971],
  ["abc", 479470107],
  ["1", -1993445489],
  ["12", 126087238],
  ["123", -267702483],
  ["1234", -1614185708],
  ["12345", -1188365604],
];

describe("murmur2 matches the Java client's Utils.murmur2", () => {
  for (const [key, expected] of JAVA_VECTORS) {
    test(`"${key}" hashes to ${expected}`, () => {
      expect(murmur2(bytes(key))).toBe(expected);
    });
  }

  test("a sub-range hashes like the same bytes on their own", () => {
    const buf = bytes("xxfoobaryy");
    expect(murmur2(buf, 2, 8)).toBe(-790332482);
  });

  test("toPositive clears the sign bit, like Java (not Math.abs)", () => {
    expect(toPositive(-2147483648)).toBe(0);
    expect(toPositive(-1)).toBe(2147483647);
    expect(toPositive(5)).toBe(5);
  });
});

describe("partitioner", () => {
  test("keyed records go where the Java client puts them", () => {
    // toPositive(-790332482) % 10 = 1357151166 % 10
    expect(partitionForKey(bytes("foobar"), 10)).toBe(1357151166 % 10);
    expect(partitionForKey(bytes("abc"), 7)).toBe(479470107 % 7);
  });

  test("the same key always maps to the same partition", () => {
    for (let i = 0; i < 100; i++) {
      const key = bytes(`user-${i}`);
      expect(partitionForKey(key, 12)).toBe(partitionForKey(key, 12));
    }
  });

  test("keyless records stick to one partition until its batch completes, then move", () => {
    const draws = [2, 2, 0];
    const sticky = new StickyPartitioner((bound) => (draws.shift() ?? 0) % bound);
    const first = sticky.partition("t", 4);
    expect(first).toBe(2);
    expect(sticky.partition("t", 4)).toBe(2);
    const next = sticky.onNewBatch("t", 4, first);
    expect(next).not.toBe(first);
    expect(sticky.partition("t", 4)).toBe(next);
    // A stale notification for the old partition does not move it again.
    expect(sticky.onNewBatch("t", 4, first)).toBe(next);
  });

  test("a single-partition topic always yields partition 0", () => {
    const sticky = new StickyPartitioner(() => 0);
    expect(sticky.partition("t", 1)).toBe(0);
    expect(sticky.onNewBatch("t", 1, 0)).toBe(0);
  });
});
