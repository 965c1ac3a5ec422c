/**
 * Protocol codec throughput: encode and decode of a Produce v9 request and a Fetch v12
 * response each carrying 1 MiB of records (opaque bytes, 4 topics × 4 partitions × 64 KiB),
 * against a plain 1 MiB memcpy (Uint8Array.set) measured in the same run.
 *
 *   bun bench/protocol-codec.ts [--seconds 1]
 *
 * Each figure is the best of 7 rounds. Encode writes into a reused Writer; "encode+copy" also takes the result out with finish()
 * (one more memcpy), "encode" uses the zero-copy view(). Decode is zero-copy for records, so
 * its cost is the per-field work only. MB/s counts the whole encoded message.
 */
import { Reader } from "../protocol/codec/reader.ts";
import { Writer } from "../protocol/codec/writer.ts";
import { decodeFetchResponse, encodeFetchResponse } from "../protocol/messages/generated/fetch.ts";
import {
  decodeProduceRequest,
  encodeProduceRequest,
} from "../protocol/messages/generated/produce.ts";

const args = process.argv.slice(2);
const secondsIndex = args.indexOf("--seconds");
const seconds = secondsIndex >= 0 ? Number(args[secondsIndex + 1]) : 1;
const MiB = 1024 * 1024;
const CHUNK = 64 * 1024;

function chunk(seed: number): Uint8Array {
  const b = new Uint8Array(CHUNK);
  for (let i = 0; i < b.length; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

const produce = {
  transactionalId: null,
  acks: -1,
  timeoutMs: 30000,
  topicData: [0, 1, 2, 3].map((t) => ({
    name: `bench-topic-${t}`,
    partitionData: [0, 1, 2, 3].map((p) => ({ index: p, records: chunk(t * 4 + p) })),
  })),
};

const fetch = {
  throttleTimeMs: 0,
  errorCode: 0,
  sessionId: 1,
  responses: [0, 1, 2, 3].map((t) => ({
    topic: `bench-topic-${t}`,
    partitions: [0, 1, 2, 3].map((p) => ({
      partitionIndex: p,
      errorCode: 0,
      highWatermark: 1000n,
      lastStableOffset: 1000n,
      logStartOffset: 0n,
      abortedTransactions: [],
      preferredReadReplica: -1,
      records: chunk(t * 4 + p),
    })),
  })),
};

/**
 * Runs `fn` in 7 rounds of about `seconds / 7` each and returns the best round's nanoseconds
 * per call: the least-disturbed figure on a shared machine.
 */
function measure(fn: () => void): number {
  for (let i = 0; i < 50; i++) fn(); // warm up the JIT
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 7; round++) {
    let calls = 0;
    const start = Bun.nanoseconds();
    const deadline = start + (seconds / 7) * 1e9;
    let now = start;
    while (now < deadline) {
      for (let i = 0; i < 10; i++) fn();
      calls += 10;
      now = Bun.nanoseconds();
    }
    best = Math.min(best, (now - start) / calls);
  }
  return best;
}

const mbps = (bytes: number, ns: number) => bytes / MiB / (ns / 1e9);

const src = new Uint8Array(MiB).fill(1);
const dst = new Uint8Array(MiB);
const memcpyNs = measure(() => dst.set(src));
const memcpy = mbps(MiB, memcpyNs);

const w = new Writer(2 * MiB);
const rows: [string, number, number][] = [];

function bench(name: string, encode: (w: Writer) => void, decode: (r: Reader) => unknown): void {
  w.reset();
  encode(w);
  const encoded = w.finish();
  const size = encoded.length;
  const encodeNs = measure(() => {
    w.reset();
    encode(w);
    w.view();
  });
  const encodeCopyNs = measure(() => {
    w.reset();
    encode(w);
    w.finish();
  });
  const decodeNs = measure(() => {
    decode(new Reader(encoded));
  });
  rows.push([`${name} encode`, size, encodeNs]);
  rows.push([`${name} encode+copy`, size, encodeCopyNs]);
  rows.push([`${name} decode`, size, decodeNs]);
  rows.push([`${name} encode+decode`, size, encodeNs + decodeNs]);
}

bench(
  "Produce v9 request",
  (w) => encodeProduceRequest(w, produce, 9),
  (r) => decodeProduceRequest(r, 9),
);
bench(
  "Fetch v12 response",
  (w) => encodeFetchResponse(w, fetch, 12),
  (r) => decodeFetchResponse(r, 12),
);

console.log(
  `memcpy 1 MiB (Uint8Array.set): ${memcpy.toFixed(0)} MB/s (${(memcpyNs / 1000).toFixed(1)} µs)`,
);
console.log("| operation | message bytes | µs/op | MB/s | × memcpy time |");
console.log("|---|---:|---:|---:|---:|");
for (const [name, size, ns] of rows) {
  console.log(
    `| ${name} | ${size} | ${(ns / 1000).toFixed(1)} | ${mbps(size, ns).toFixed(0)} | ${(ns / memcpyNs).toFixed(2)} |`,
  );
}
