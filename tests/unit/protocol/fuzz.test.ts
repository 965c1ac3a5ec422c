/**
 * Totality: every decoder (each API × version × direction, the data messages, the headers and
 * the frame decoders) fed 1,000,000+ random and mutated frames either succeeds or throws a
 * ProtocolError — never another exception, a hang or an allocation beyond the frame.
 * Mutations start from real encodings: bit flips, truncations, length fields forced to huge
 * or negative values, random splices. A failure prints the seed that reproduces it.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import fc from "fast-check";
import { ProtocolError } from "../../../protocol/codec/errors.ts";
import { Reader } from "../../../protocol/codec/reader.ts";
import { Writer } from "../../../protocol/codec/writer.ts";
import {
  decodeRequestFrame,
  decodeResponseFrame,
  encodeRequestFrame,
  encodeResponseFrame,
} from "../../../protocol/messages/frame.ts";
import { API_TABLE, type ApiKey } from "../../../protocol/messages/generated/apis.ts";
import {
  codecOf,
  defaultMessagesDir,
  messageArbitrary,
  messages,
  Rng,
  versions,
} from "./schema-arbitrary.ts";

const TOTAL_FRAMES = 1_000_000;
const SEED = Number(process.env.FUZZ_SEED ?? 20261121);

interface Target {
  readonly name: string;
  readonly seeds: Uint8Array[];
  readonly decode: (bytes: Uint8Array) => void;
}

/** Real client frames by "apiKey/version", added to the seeds of the matching frame decoder. */
function captureSeeds(): Map<string, Uint8Array[]> {
  const path = resolve(defaultMessagesDir(), "..", "captures", "client-requests.jsonl");
  const out = new Map<string, Uint8Array[]>();
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    const c = JSON.parse(line) as { api_key: number; api_version: number; frame_hex: string };
    const key = `${c.api_key}/${c.api_version}`;
    const list = out.get(key) ?? [];
    list.push(Uint8Array.from(Buffer.from(c.frame_hex, "hex")));
    out.set(key, list);
  }
  return out;
}

function buildTargets(): Target[] {
  const w = new Writer();
  const captured = captureSeeds();
  const targets: Target[] = [];
  for (const m of messages()) {
    const codec = codecOf(m);
    for (const version of versions(m)) {
      const samples = fc.sample(messageArbitrary(m, version), { numRuns: 3, seed: SEED + version });
      const seeds = samples.map((s) => {
        w.reset();
        codec.encode(w, s, version);
        return w.finish();
      });
      targets.push({
        name: `${m.name} v${version}`,
        seeds,
        decode: (bytes) => {
          codec.decode(new Reader(bytes), version);
        },
      });
      if (m.type === "request" || m.type === "response") {
        const key = m.apiKey as ApiKey;
        const frames = samples.map((s) =>
          m.type === "request"
            ? encodeRequestFrame(key, version, 7, "fuzz", s as never).subarray(4)
            : encodeResponseFrame(key, version, 7, s as never).subarray(4),
        );
        if (m.type === "request") frames.push(...(captured.get(`${key}/${version}`) ?? []));
        targets.push({
          name: `${m.name} v${version} frame`,
          seeds: frames,
          decode:
            m.type === "request"
              ? (bytes) => decodeRequestFrame(bytes)
              : (bytes) => decodeResponseFrame(key, version, bytes),
        });
      }
    }
  }
  return targets;
}

const HUGE_INT32 = [0x7fffffff, -0x80000000, -1, -2, 0x40000000, 0x10000];
const HUGE_INT16 = [0x7fff, -0x8000, -1, -2, 0x4000];
const HUGE_UVARINT = [
  [0xff, 0xff, 0xff, 0xff, 0x0f],
  [0xff, 0xff, 0xff, 0xff, 0x7f],
  [0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
  [0xff, 0xff, 0xff, 0x07],
  [0x00],
];

/** Returns a mutated copy of `seed`. */
function mutate(rng: Rng, seed: Uint8Array): Uint8Array {
  let b: Uint8Array = seed.slice();
  const count = 1 + rng.below(3);
  for (let i = 0; i < count; i++) {
    const pos = b.length === 0 ? 0 : rng.below(b.length);
    switch (rng.below(8)) {
      case 0:
        if (b.length > 0) b[pos]! ^= 1 << rng.below(8);
        break;
      case 1:
        b = b.subarray(0, rng.below(b.length + 1));
        break;
      case 2:
        if (pos + 4 <= b.length) {
          new DataView(b.buffer, b.byteOffset).setInt32(
            pos,
            HUGE_INT32[rng.below(HUGE_INT32.length)]!,
          );
        }
        break;
      case 3:
        if (pos + 2 <= b.length) {
          new DataView(b.buffer, b.byteOffset).setInt16(
            pos,
            HUGE_INT16[rng.below(HUGE_INT16.length)]!,
          );
        }
        break;
      case 4: {
        const v = HUGE_UVARINT[rng.below(HUGE_UVARINT.length)]!;
        for (let j = 0; j < v.length && pos + j < b.length; j++) b[pos + j] = v[j]!;
        break;
      }
      case 5:
        if (b.length > 0) b[pos] = rng.below(256);
        break;
      case 6: {
        const extra = new Uint8Array(rng.below(16));
        for (let j = 0; j < extra.length; j++) extra[j] = rng.below(256);
        const joined = new Uint8Array(b.length + extra.length);
        joined.set(b.subarray(0, pos));
        joined.set(extra, pos);
        joined.set(b.subarray(pos), pos + extra.length);
        b = joined;
        break;
      }
      default: {
        b = new Uint8Array(rng.below(48));
        for (let j = 0; j < b.length; j++) b[j] = rng.below(256);
      }
    }
  }
  return b;
}

describe("decoders are total", () => {
  const targets = buildTargets();

  test("targets cover every message version and every API frame in both directions", () => {
    const apis = Object.keys(API_TABLE).length;
    const frameTargets = targets.filter((t) => t.name.endsWith("frame")).length;
    expect(frameTargets).toBeGreaterThanOrEqual(apis * 2);
    expect(targets.some((t) => t.name === "RequestHeader v2")).toBe(true);
    expect(targets.some((t) => t.name === "ResponseHeader v1")).toBe(true);
    expect(targets.some((t) => t.name === "ConsumerProtocolSubscription v3")).toBe(true);
  });

  test(`${TOTAL_FRAMES} random and mutated frames yield success or ProtocolError only`, () => {
    const rng = new Rng(SEED);
    const perTarget = Math.ceil(TOTAL_FRAMES / targets.length);
    let fed = 0;
    let failures = 0;
    const outcomes = { ok: 0, truncated: 0, invalid_length: 0, invalid_value: 0, other: 0 };
    for (const t of targets) {
      for (let i = 0; i < perTarget; i++) {
        const seed = t.seeds[rng.below(t.seeds.length)]!;
        const input = i === 0 ? seed : mutate(rng, seed);
        fed++;
        try {
          t.decode(input);
          outcomes.ok++;
        } catch (e) {
          if (e instanceof ProtocolError) {
            if (e.code in outcomes) outcomes[e.code as keyof typeof outcomes]++;
            else outcomes.other++;
            continue;
          }
          if (failures++ < 5) {
            console.error(
              `FUZZ_SEED=${SEED} ${t.name} input ${Buffer.from(input).toString("hex")}: ${e}`,
            );
          }
        }
      }
    }
    expect(failures).toBe(0);
    expect(fed).toBeGreaterThanOrEqual(TOTAL_FRAMES);
    // The mutations must reach every failure mode, and still leave plenty of valid decodes.
    expect(outcomes.ok).toBeGreaterThan(fed / 20);
    expect(outcomes.truncated).toBeGreaterThan(fed / 20);
    expect(outcomes.invalid_length).toBeGreaterThan(fed / 100);
  }, 120_000);

  test("no decoder allocates for an array, string or bytes longer than the bytes left", () => {
    // Instrument the reader: every array count and every byte length it hands to a decoder
    // must fit in what is left of the frame, and nothing may decode past the frame's end.
    const proto = Reader.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
    const original = proto.arrayLength!;
    const violations: string[] = [];
    proto.arrayLength = function (this: Reader, ...args: unknown[]) {
      const n = original.apply(this, args) as number;
      if (n > this.remaining) violations.push(`array of ${n} with ${this.remaining} left`);
      return n;
    };
    const rng = new Rng(SEED ^ 0x5a5a);
    try {
      for (const t of targets) {
        for (let i = 0; i < 40; i++) {
          const seed = t.seeds[rng.below(t.seeds.length)]!;
          const input = mutate(rng, seed);
          try {
            t.decode(input);
          } catch (e) {
            if (!(e instanceof ProtocolError)) throw e;
          }
        }
      }
    } finally {
      proto.arrayLength = original;
    }
    expect(violations).toEqual([]);
  });

  test("a frame claiming a 2^31-element array or a 2 GiB string fails fast with invalid_length", () => {
    const w = new Writer();
    // Metadata v4 request: topics array (int32 count) claims 2^31-1 entries.
    w.int32(0x7fffffff);
    expect(() => API_TABLE[3].decodeRequest(new Reader(w.finish()), 4)).toThrow(
      expect.objectContaining({ code: "invalid_length" }),
    );
    // Produce v9 (flexible): transactional id claims a 2^32-2 byte compact string.
    w.uvarint(0xffffffff);
    expect(() => API_TABLE[0].decodeRequest(new Reader(w.finish()), 9)).toThrow(
      expect.objectContaining({ code: "invalid_length" }),
    );
    // Fetch v4 response: records bytes length 2^31-1 after one topic and one partition.
    w.int32(0); // throttle
    w.int32(1); // topics
    w.string("t");
    w.int32(1); // partitions
    w.int32(0); // index
    w.int16(0); // error
    w.int64(0n); // high watermark
    w.int64(0n); // last stable offset
    w.int32(0); // aborted transactions
    w.int32(0x7fffffff); // records length
    expect(() => API_TABLE[1].decodeResponse(new Reader(w.finish()), 4)).toThrow(
      expect.objectContaining({ code: "invalid_length" }),
    );
  });
});
