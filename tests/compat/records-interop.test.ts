/**
 * Record formats against independent implementations:
 * - real Produce frames captured from librdkafka (kcat, confluent-kafka-python),
 *   kafka-python and kafkajs decode here, every codec, CRCs valid;
 * - batches and legacy message sets built here are read back by kafka-python
 *   (python3-kafka with python3-snappy, python3-lz4, python3-zstandard), and what
 *   kafka-python builds is read here.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CompressionCodec, type CompressionCodecId } from "../../protocol/compression/codec-id.ts";
import { buildRecordBatch, decodeRecordBatch } from "../../protocol/records/batch.ts";
import { scanBatches, validateBatch } from "../../protocol/records/batch-header.ts";
import { buildControlBatch, ControlType } from "../../protocol/records/control.ts";
import {
  buildMessageSet,
  decodeMessageSet,
  downConvertBatches,
  upConvertMessageSet,
} from "../../protocol/records/legacy.ts";
import type { RecordInput } from "../../protocol/records/record.ts";

const CAPTURES = join(
  import.meta.dir,
  "../../../shared/kafka-protocol/captures/client-requests.jsonl",
);
const PY_HELPER = join(import.meta.dir, "records-kafka-python.py");
const PYTHON = "/usr/bin/python3";
const enc = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const hex = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b).toString("hex"));

function pythonHas(modules: string): boolean {
  const r = Bun.spawnSync([PYTHON, "-c", `import ${modules}`], { stderr: "ignore" });
  return r.exitCode === 0;
}
const hasKafkaPython = pythonHas("kafka");
const hasCodecs = hasKafkaPython && pythonHas("snappy, lz4.frame, zstandard, xxhash");
if (!hasKafkaPython) {
  console.warn(
    "records-interop: /usr/bin/python3 lacks kafka-python (apt python3-kafka); skipping",
  );
} else if (!hasCodecs) {
  console.warn(
    "records-interop: compressed cases skipped; apt install python3-snappy python3-lz4 python3-zstandard python3-xxhash",
  );
}

const dir = mkdtempSync(join(tmpdir(), "records-interop-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;

interface PyRecord {
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers?: [string, string | null][];
}
interface PyBatch {
  magic: number;
  compression: number;
  base_offset?: number;
  transactional?: boolean;
  control?: boolean;
  records: PyRecord[];
}

function pythonParse(bytes: Uint8Array): PyBatch[] {
  const file = join(dir, `in-${fileNo++}.bin`);
  writeFileSync(file, bytes);
  const r = Bun.spawnSync([PYTHON, PY_HELPER, "parse", file]);
  if (r.exitCode !== 0) throw new Error(`kafka-python parse failed: ${r.stderr.toString()}`);
  return JSON.parse(r.stdout.toString()) as PyBatch[];
}

function pythonBuild(spec: unknown): Uint8Array {
  const file = join(dir, `spec-${fileNo++}.json`);
  writeFileSync(file, JSON.stringify(spec));
  const r = Bun.spawnSync([PYTHON, PY_HELPER, "build", file]);
  if (r.exitCode !== 0) throw new Error(`kafka-python build failed: ${r.stderr.toString()}`);
  return Uint8Array.from(Buffer.from(r.stdout.toString().trim(), "hex"));
}

/** Records blobs of every partition of every Produce (api 0) frame in the captures. */
function capturedProduceRecords(): { client: string; topic: string; records: Uint8Array }[] {
  const out: { client: string; topic: string; records: Uint8Array }[] = [];
  for (const line of readFileSync(CAPTURES, "utf8").trim().split("\n")) {
    const c = JSON.parse(line) as {
      client: string;
      api_key: number;
      api_version: number;
      frame_hex: string;
    };
    if (c.api_key !== 0) continue;
    // These captures are Produce v3..v8 (non-flexible): request header v1, then
    // transactional_id, acks, timeout, [topic name, [partition index, records]].
    expect(c.api_version).toBeGreaterThanOrEqual(3);
    expect(c.api_version).toBeLessThan(9);
    const f = Uint8Array.from(Buffer.from(c.frame_hex, "hex"));
    const v = new DataView(f.buffer);
    let p = 8;
    p += 2 + Math.max(v.getInt16(p), 0); // client_id
    p += 2 + Math.max(v.getInt16(p), 0); // transactional_id
    p += 2 + 4; // acks, timeout_ms
    const topics = v.getInt32(p);
    p += 4;
    for (let t = 0; t < topics; t++) {
      const nameLength = v.getInt16(p);
      const topic = Buffer.from(f.subarray(p + 2, p + 2 + nameLength)).toString();
      p += 2 + nameLength;
      const partitions = v.getInt32(p);
      p += 4;
      for (let i = 0; i < partitions; i++) {
        const length = v.getInt32(p + 4);
        p += 8;
        out.push({ client: c.client, topic, records: f.subarray(p, p + length) });
        p += length;
      }
    }
    expect(p).toBe(f.length);
  }
  return out;
}

describe("captured Produce requests from real clients", () => {
  const blobs = capturedProduceRecords();

  test("every client's batches validate and decode, in every codec", () => {
    const codecsSeen = new Set<number>();
    const clients = new Set<string>();
    let batches = 0;
    for (const { client, topic, records } of blobs) {
      const scan = scanBatches(records);
      expect(scan.partial).toBeNull();
      for (const span of scan.batches) {
        const check = validateBatch(records, span.offset);
        if (!check.ok) throw new Error(`${client} ${topic}: ${check.reason} ${check.message}`);
        const { header, records: decoded } = decodeRecordBatch(records, span.offset);
        expect(decoded.length).toBe(header.recordCount);
        expect(decoded.at(-1)!.offset - header.baseOffset).toBe(header.lastOffsetDelta);
        for (const r of decoded) {
          // Every capture producer wrote non-empty text values and text header keys.
          expect(r.value).not.toBeNull();
          expect(r.value!.length).toBeGreaterThan(0);
          expect(() => strictUtf8.decode(r.value!)).not.toThrow();
          if (r.key !== null) expect(() => strictUtf8.decode(r.key!)).not.toThrow();
          for (const h of r.headers) expect(h.key.length).toBeGreaterThan(0);
          expect(r.timestamp).toBeGreaterThan(1_500_000_000_000);
        }
        codecsSeen.add(header.compression);
        clients.add(client.split(" ")[0]!);
        batches++;
      }
    }
    expect(batches).toBeGreaterThanOrEqual(20);
    expect([...codecsSeen].sort()).toEqual([0, 1, 2, 3, 4]);
    expect([...clients].sort()).toEqual([
      "confluent-kafka-python",
      "kafka-python",
      "kafkajs",
      "kcat",
    ]);
  });

  test("kcat's per-codec topics carry the same 300 records whatever the codec", () => {
    const kcat = blobs.filter((b) => b.client.startsWith("kcat"));
    const codecs = ["none", "gzip", "snappy", "lz4", "zstd"];
    for (const codec of codecs) {
      const blob = kcat.find((b) => b.topic === `cap-${codec}`);
      expect(blob).toBeDefined();
      const { records } = decodeRecordBatch(blob!.records);
      expect(records.length).toBe(300);
      expect(strictUtf8.decode(records[0]!.value!)).toBe(`value-${codec}-1`);
      expect(records[0]!.headers.map((h) => h.key)).toEqual(["h1", "h2"]);
    }
  });

  test("transactional and idempotent producers' batches keep their producer ids", () => {
    const txn = blobs.filter((b) => b.topic === "cap-txn");
    const idem = blobs.filter((b) => b.topic === "cap-idem");
    expect(txn.length).toBeGreaterThan(0);
    expect(idem.length).toBeGreaterThan(0);
    for (const b of txn) {
      const { header } = decodeRecordBatch(b.records);
      expect(header.isTransactional).toBe(true);
      expect(header.producerId).toBeGreaterThanOrEqual(0);
      expect(header.baseSequence).toBeGreaterThanOrEqual(0);
    }
    for (const b of idem) {
      const { header } = decodeRecordBatch(b.records);
      expect(header.isTransactional).toBe(false);
      expect(header.producerId).toBeGreaterThanOrEqual(0);
    }
  });
});

function sampleRecords(n: number, seed: number): RecordInput[] {
  return Array.from({ length: n }, (_, i) => ({
    key: i % 5 === 0 ? null : enc.encode(`key-${seed}-${i}`),
    value:
      i % 7 === 3 ? null : enc.encode(JSON.stringify({ i, seed, text: "ü-€-😀".repeat(i % 4) })),
    headers: i % 3 === 0 ? [] : [{ key: `h${i}`, value: i % 2 ? enc.encode("x") : null }],
    timestamp: 1_700_000_000_000 + i * 13,
  }));
}

const CODECS: [string, CompressionCodecId][] = [
  ["none", CompressionCodec.none],
  ["gzip", CompressionCodec.gzip],
  ["snappy", CompressionCodec.snappy],
  ["lz4", CompressionCodec.lz4],
  ["zstd", CompressionCodec.zstd],
];

describe.skipIf(!hasKafkaPython)("kafka-python reads what datacore writes", () => {
  for (const [name, codec] of CODECS) {
    test.skipIf(codec !== 0 && !hasCodecs)(`a ${name} batch with nulls and headers`, () => {
      const records = sampleRecords(200, codec);
      const built = buildRecordBatch({ baseOffset: 1000, compression: codec, records });
      const [batch] = pythonParse(built);
      expect(batch!.compression).toBe(codec);
      expect(batch!.base_offset).toBe(1000);
      expect(batch!.records.length).toBe(200);
      batch!.records.forEach((r, i) => {
        const src = records[i]!;
        expect(r.offset).toBe(1000 + i);
        expect(r.timestamp).toBe(src.timestamp);
        expect(r.key).toBe(hex(src.key ?? null));
        expect(r.value).toBe(hex(src.value));
        expect(r.headers).toEqual((src.headers ?? []).map((h) => [h.key, hex(h.value)]));
      });
    });
  }

  test("transactional and control batches", () => {
    const data = buildRecordBatch({
      transactional: true,
      producerId: 4242,
      producerEpoch: 3,
      baseSequence: 17,
      records: sampleRecords(3, 9),
    });
    const marker = buildControlBatch({
      baseOffset: 3,
      producerId: 4242,
      producerEpoch: 3,
      type: ControlType.commit,
      coordinatorEpoch: 5,
      timestamp: 1_700_000_000_999,
    });
    const blob = new Uint8Array([...data, ...marker]);
    const [a, b] = pythonParse(blob);
    expect(a!.transactional).toBe(true);
    expect(a!.control).toBe(false);
    expect(b!.transactional).toBe(true);
    expect(b!.control).toBe(true);
    expect(b!.base_offset).toBe(3);
  });

  for (const magic of [0, 1] as const) {
    for (const [name, codec] of CODECS.slice(0, 4)) {
      test.skipIf(codec !== 0 && !hasCodecs)(`down-converted magic ${magic} ${name} set`, () => {
        const records = sampleRecords(50, magic * 10 + codec);
        const v2 = buildRecordBatch({ baseOffset: 500, compression: codec, records });
        const legacy = downConvertBatches(v2, { magic });
        const parsed = pythonParse(legacy);
        const flat = parsed.flatMap((b) => b.records);
        expect(parsed.every((b) => b.magic === magic && b.compression === codec)).toBe(true);
        expect(flat.map((r) => r.offset)).toEqual(records.map((_, i) => 500 + i));
        expect(flat.map((r) => r.value)).toEqual(records.map((r) => hex(r.value)));
        expect(flat.map((r) => r.key)).toEqual(records.map((r) => hex(r.key ?? null)));
        if (magic === 1)
          expect(flat.map((r) => r.timestamp)).toEqual(records.map((r) => r.timestamp));
      });
    }
  }
});

describe.skipIf(!hasKafkaPython)("datacore reads what kafka-python writes", () => {
  const specRecords = Array.from({ length: 40 }, (_, i) => ({
    key: i % 4 === 0 ? null : hex(enc.encode(`k${i}`)),
    value: i % 9 === 0 ? null : hex(enc.encode(`value ${i} `.repeat((i % 6) + 1))),
    headers: i % 2 ? [["hk", hex(enc.encode("hv"))]] : [],
    timestamp: 1_690_000_000_000 + i,
  }));

  for (const [name, codec] of CODECS) {
    test.skipIf(codec !== 0 && !hasCodecs)(`v2 ${name} batch`, () => {
      const bytes = pythonBuild({
        batches: [{ magic: 2, compression: codec, records: specRecords }],
      });
      const { header, records } = decodeRecordBatch(bytes);
      expect(header.compression).toBe(codec);
      expect(records.map((r) => hex(r.value))).toEqual(specRecords.map((r) => r.value));
      expect(records.map((r) => hex(r.key))).toEqual(specRecords.map((r) => r.key));
      expect(records.map((r) => r.headers.map((h) => [h.key, hex(h.value)]))).toEqual(
        specRecords.map((r) => r.headers),
      );
    });
  }

  for (const magic of [0, 1] as const) {
    for (const [name, codec] of CODECS.slice(0, 4)) {
      test.skipIf(codec !== 0 && !hasCodecs)(
        `legacy magic ${magic} ${name} set, up-converted`,
        () => {
          const legacyRecords = specRecords.map(({ headers: _, ...r }) => r);
          const bytes = pythonBuild({
            batches: [{ magic, compression: codec, records: legacyRecords }],
          });
          const { messages, partial } = decodeMessageSet(bytes);
          expect(partial).toBeNull();
          expect(messages.map((m) => hex(m.value))).toEqual(legacyRecords.map((r) => r.value));
          const v2 = upConvertMessageSet(bytes, { baseOffset: 0 });
          const { header, records } = decodeRecordBatch(v2);
          expect(header.compression).toBe(codec);
          expect(records.map((r) => hex(r.key))).toEqual(legacyRecords.map((r) => r.key));
          expect(records.map((r) => r.timestamp)).toEqual(
            legacyRecords.map((r) => (magic === 1 ? r.timestamp : -1)),
          );
          // And kafka-python agrees with the converted batch.
          const [back] = pythonParse(v2);
          expect(back!.records.map((r) => r.value)).toEqual(legacyRecords.map((r) => r.value));
        },
      );
    }
  }

  test.skipIf(!hasCodecs)(
    "our own legacy sets round-trip through kafka-python for magic 0 lz4 (KAFKA-3160 checksum)",
    () => {
      const set = buildMessageSet({
        magic: 0,
        compression: CompressionCodec.lz4,
        messages: [0, 1, 2].map((i) => ({
          offset: i,
          timestamp: -1,
          key: null,
          value: enc.encode(`m${i}`),
        })),
      });
      const [batch] = pythonParse(set);
      expect(batch!.records.map((r) => r.value)).toEqual(
        ["m0", "m1", "m2"].map((s) => hex(enc.encode(s))),
      );
    },
  );
});
