/**
 * The default LocalStore against a model (a Map plus sorting): random puts, deletes and
 * scans must agree, across block splits and merges, with keys compared as unsigned bytes.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { compareBytes, prefixEnd } from "../../../../client/kv/bytes.ts";
import { SortedMemoryStore } from "../../../../client/kv/local-store.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const bytes = (...xs: number[]) => new Uint8Array(xs);
const enc = (s: string) => new TextEncoder().encode(s);

describe("compareBytes and prefixEnd", () => {
  test("bytes compare unsigned, and a prefix sorts before its extensions", () => {
    expect(compareBytes(bytes(0x7f), bytes(0x80))).toBeLessThan(0);
    expect(compareBytes(bytes(0xff), bytes(0x00, 0x00))).toBeGreaterThan(0);
    expect(compareBytes(bytes(1, 2), bytes(1, 2, 0))).toBeLessThan(0);
    expect(compareBytes(bytes(), bytes())).toBe(0);
  });

  test("the end of a prefix scan increments the last byte that is not 0xff", () => {
    expect([...prefixEnd(enc("user:"))!]).toEqual([...enc("user;")]);
    expect([...prefixEnd(bytes(1, 0xff, 0xff))!]).toEqual([2]);
    expect(prefixEnd(bytes(0xff, 0xff))).toBeNull();
    expect(prefixEnd(bytes())).toBeNull();
  });
});

describe("SortedMemoryStore", () => {
  test("get, overwrite and delete keep the size right", () => {
    const s = new SortedMemoryStore();
    s.set(enc("b"), enc("1"));
    s.set(enc("a"), enc("2"));
    s.set(enc("b"), enc("3"));
    expect(s.size).toBe(2);
    expect(new TextDecoder().decode(s.get(enc("b")))).toBe("3");
    expect(s.delete(enc("a"))).toBe(true);
    expect(s.delete(enc("a"))).toBe(false);
    expect(s.get(enc("a"))).toBeUndefined();
    expect(s.size).toBe(1);
    s.clear();
    expect(s.size).toBe(0);
    expect(s.scan({ limit: 10 })).toEqual([]);
  });

  test("20,000 keys in random order scan back sorted, and a bounded scan starts mid-block", () => {
    const s = new SortedMemoryStore();
    const keys = Array.from({ length: 20_000 }, (_, i) => `key-${String(i).padStart(6, "0")}`);
    // 7919 is prime and coprime with 20,000: a fixed permutation that hits every block.
    for (let i = 0; i < keys.length; i++) {
      const k = keys[(i * 7919) % keys.length]!;
      s.set(enc(k), enc(k));
    }
    const all = s.scan({ limit: 1_000_000 }).map((e) => new TextDecoder().decode(e.key));
    expect(all).toEqual(keys);
    const mid = s.scan({ start: enc("key-012345"), end: enc("key-012350"), limit: 100 });
    expect(mid.map((e) => new TextDecoder().decode(e.key))).toEqual([
      "key-012345",
      "key-012346",
      "key-012347",
      "key-012348",
      "key-012349",
    ]);
    const after = s.scan({ start: enc("key-019998"), startExclusive: true, limit: 100 });
    expect(after.map((e) => new TextDecoder().decode(e.key))).toEqual(["key-019999"]);
    for (const k of keys.slice(0, 19_990)) expect(s.delete(enc(k))).toBe(true);
    expect(s.size).toBe(10);
    expect(s.scan({ limit: 3 }).map((e) => new TextDecoder().decode(e.key))).toEqual([
      "key-019990",
      "key-019991",
      "key-019992",
    ]);
  });

  test("keys sharing a prefix longer than the 16 bytes the block index holds stay ordered", () => {
    const s = new SortedMemoryStore();
    const prefix = "tenants/0000000000000000000042/";
    const n = 3000;
    for (let i = 0; i < n; i++) {
      const k = `${prefix}${String((i * 7) % n).padStart(5, "0")}`;
      s.set(enc(k), enc(String(i)));
    }
    const keys = s.scan({ limit: n }).map((e) => new TextDecoder().decode(e.key));
    expect(keys.length).toBe(n);
    expect(keys).toEqual([...keys].sort());
    expect(s.get(enc(`${prefix}01234`))).toBeDefined();
    expect(s.get(enc(`${prefix}0123`))).toBeUndefined();
    for (let i = 0; i < n; i += 2)
      expect(s.delete(enc(`${prefix}${String(i).padStart(5, "0")}`))).toBe(true);
    expect(
      s
        .scan({ start: enc(`${prefix}00100`), limit: 2 })
        .map((e) => new TextDecoder().decode(e.key)),
    ).toEqual([`${prefix}00101`, `${prefix}00103`]);
  });

  test("random operations agree with a model (property)", () => {
    // Short keys, some behind a 20-byte shared prefix, in a space large enough to split blocks.
    const key = fc
      .tuple(fc.boolean(), fc.uint8Array({ minLength: 0, maxLength: 3, max: 12 }))
      .map(([long, tail]) =>
        long ? new Uint8Array([...new Uint8Array(20).fill(7), ...tail]) : tail,
      );
    const op = fc.oneof(
      {
        arbitrary: fc.record({ kind: fc.constant("set" as const), key, v: fc.nat(1000) }),
        weight: 4,
      },
      fc.record({ kind: fc.constant("del" as const), key }),
      fc.record({ kind: fc.constant("get" as const), key }),
      fc.record({
        kind: fc.constant("scan" as const),
        start: fc.option(key, { nil: undefined }),
        end: fc.option(key, { nil: undefined }),
        exclusive: fc.boolean(),
        limit: fc.integer({ min: 1, max: 50 }),
      }),
    );
    fc.assert(
      fc.property(fc.array(op, { minLength: 800, maxLength: 1500 }), (ops) => {
        const s = new SortedMemoryStore();
        const model = new Map<string, { key: Uint8Array; v: number }>();
        for (const o of ops) {
          if (o.kind === "set") {
            s.set(o.key, bytes(o.v & 0xff, o.v >> 8));
            model.set(hex(o.key), { key: o.key, v: o.v });
          } else if (o.kind === "del") {
            expect(s.delete(o.key)).toBe(model.delete(hex(o.key)));
          } else if (o.kind === "get") {
            const want = model.get(hex(o.key));
            const got = s.get(o.key);
            expect(got && got[0]! + got[1]! * 256).toBe(want?.v);
          } else {
            const want = [...model.values()]
              .filter((e) => {
                if (o.start) {
                  const c = compareBytes(e.key, o.start);
                  if (c < 0 || (c === 0 && o.exclusive)) return false;
                }
                return !o.end || compareBytes(e.key, o.end) < 0;
              })
              .sort((a, b) => compareBytes(a.key, b.key))
              .slice(0, o.limit)
              .map((e) => hex(e.key));
            const got = s
              .scan({
                ...(o.start ? { start: o.start } : {}),
                ...(o.end ? { end: o.end } : {}),
                startExclusive: o.exclusive,
                limit: o.limit,
              })
              .map((e) => hex(e.key));
            expect(got).toEqual(want);
          }
          expect(s.size).toBe(model.size);
        }
      }),
      // A failure shrinks for at most 20 s (a 1,000-operation case shrinks slowly).
      { numRuns: 25, interruptAfterTimeLimit: 20_000, markInterruptAsFailure: true },
    );
  });
});
