/**
 * The Consumer's own CPU per decoded record, without a broker or a socket: a stub cluster
 * answers every Fetch with up to `maxPartitionBytes` of v2 batches per partition (CRC'd,
 * the last one cut short as a broker's byte limit does), all partitions' records laid out
 * in one frame-sized buffer as the connection hands them over. The load loop is
 * bench/consume.ts's: poll, then read every record's value and key length.
 *
 * With `--reference <consumer.ts>` it alternates rounds with another Consumer build (e.g.
 * an older tree's), so both see the same background load.
 *
 *   ./node_modules/.bin/bun bench/consumer-decode.ts [records=4000000] [bytes=100] [perBatch=2000] [--reference <consumer.ts>] [--rounds 5]
 */
import type { Cluster } from "../client/cluster.ts";
import type { Consumer, ConsumerOptions } from "../client/consumer/consumer.ts";
import { buildRecordBatch } from "../protocol/records/batch.ts";
import { takeFlag } from "./script-args.ts";
import { payload } from "./workload.ts";

const TOPIC = "bench";
const PARTITIONS = 4;
const MAX_PARTITION_BYTES = 2 * 1024 * 1024;
const RECORDS_COUNT_AT = 57;
const LAST_OFFSET_DELTA_AT = 23;

type ConsumerClass = new (cluster: Cluster, opts?: ConsumerOptions) => Consumer;

/**
 * One partition's log, virtually endless: a template run of batches of `perBatch` records
 * repeated with the base offsets rewritten (baseOffset is outside the CRC).
 */
class SyntheticLog {
  readonly template: Uint8Array;
  readonly batchSize: number;
  readonly perBatch: number;

  constructor(perBatch: number, recordSize: number, seed: number) {
    const value = payload(recordSize, seed);
    const records = Array.from({ length: perBatch }, (_, i) => ({
      value,
      timestamp: 1_700_000_000_000 + i,
    }));
    const batch = buildRecordBatch({ records, baseOffset: 0 });
    this.batchSize = batch.length;
    this.perBatch = perBatch;
    const copies = Math.ceil(MAX_PARTITION_BYTES / batch.length) + 1;
    this.template = new Uint8Array(copies * batch.length);
    for (let i = 0; i < copies; i++) this.template.set(batch, i * batch.length);
  }

  /** Writes the bytes a broker returns for `fetchOffset` into `out` at `at`; returns the count. */
  fill(out: Uint8Array, at: number, fetchOffset: number): number {
    const first = Math.floor(fetchOffset / this.perBatch);
    const n = Math.min(MAX_PARTITION_BYTES, this.template.length);
    out.set(this.template.subarray(0, n), at);
    const view = new DataView(out.buffer, out.byteOffset + at, n);
    for (let b = 0; (b + 1) * this.batchSize <= n; b++) {
      const base = (first + b) * this.perBatch;
      view.setInt32(b * this.batchSize, Math.floor(base / 0x1_0000_0000));
      view.setUint32(b * this.batchSize + 4, base >>> 0);
    }
    return n;
  }
}

/** Just what the Consumer uses of a Cluster with manual assignment and no group. */
class StubCluster {
  readonly requestTimeoutMs = 30_000;
  readonly #logs: SyntheticLog[];
  readonly #frame = new Uint8Array(PARTITIONS * MAX_PARTITION_BYTES + 4096);
  fetches = 0;

  constructor(logs: SyntheticLog[]) {
    this.#logs = logs;
  }

  track(): void {}
  invalidate(): void {}
  async refreshMetadata(): Promise<void> {}
  async closeLanes(): Promise<void> {}
  async leader(): Promise<number> {
    return 1;
  }
  retrying<T>(fn: (attempt: number) => Promise<T>): Promise<T> {
    return fn(0);
  }

  async send(
    _target: unknown,
    _api: unknown,
    // biome-ignore lint/suspicious/noExplicitAny: the stub answers Fetch only.
    build: (v: number) => any,
  ): Promise<{ response: unknown; version: number }> {
    const version = 12;
    const req = build(version);
    this.fetches++;
    // The answer arrives on a later turn of the event loop, as a socket's would.
    await new Promise<void>((resolve) => setImmediate(resolve));
    let at = 0;
    const responses = [];
    for (const t of req.topics as {
      topic: string;
      partitions: { partition: number; fetchOffset: bigint }[];
    }[]) {
      const partitions = [];
      for (const p of t.partitions) {
        const n = this.#logs[p.partition]!.fill(this.#frame, at, Number(p.fetchOffset));
        partitions.push({
          partitionIndex: p.partition,
          errorCode: 0,
          highWatermark: BigInt(Number.MAX_SAFE_INTEGER),
          lastStableOffset: -1n,
          logStartOffset: 0n,
          abortedTransactions: null,
          preferredReadReplica: -1,
          records: this.#frame.subarray(at, at + n),
        });
        at += n;
      }
      responses.push({ topic: t.topic, topicId: "", partitions });
    }
    return {
      response: { throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses, nodeEndpoints: [] },
      version,
    };
  }
}

interface RoundResult {
  wallMs: number;
  cpuMs: number;
  records: number;
  bytes: number;
}

async function round(
  ConsumerImpl: ConsumerClass,
  logs: SyntheticLog[],
  n: number,
): Promise<RoundResult> {
  const cluster = new StubCluster(logs);
  const consumer = new ConsumerImpl(cluster as unknown as Cluster, {
    autoOffsetReset: "earliest",
    maxPartitionBytes: MAX_PARTITION_BYTES,
    maxBytes: 16 * 1024 * 1024,
    maxPollRecords: 1_000_000,
  });
  consumer.assign(
    Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: TOPIC, partition, offset: 0 })),
  );
  let consumed = 0;
  let bytes = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  while (consumed < n) {
    const records = await consumer.poll(1000);
    for (let k = 0; k < records.length; k++) {
      const r = records[k]!;
      bytes += (r.value?.length ?? 0) + (r.key?.length ?? 0);
    }
    consumed += records.length;
  }
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await consumer.close();
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000, records: consumed, bytes };
}

const args = process.argv.slice(2);
const reference = takeFlag(args, "--reference");
const rounds = Number(takeFlag(args, "--rounds") ?? 5);
const records = Number(args[0] ?? 4_000_000);
const recordSize = Number(args[1] ?? 100);
const perBatch = Number(args[2] ?? 2000);

const logs = Array.from(
  { length: PARTITIONS },
  (_, p) => new SyntheticLog(perBatch, recordSize, p + 1),
);
const builds: { name: string; impl: ConsumerClass }[] = [
  { name: "this tree", impl: (await import("../client/consumer/consumer.ts")).Consumer },
];
if (reference) {
  const mod = (await import(reference)) as { Consumer: ConsumerClass };
  builds.push({ name: `reference (${reference})`, impl: mod.Consumer });
}
// Warm-up: let the JIT compile each build before anything is timed.
for (const b of builds) await round(b.impl, logs, Math.min(records, 500_000));
const results = builds.map(() => [] as RoundResult[]);
for (let r = 0; r < rounds; r++) {
  for (let i = 0; i < builds.length; i++) {
    Bun.gc(true);
    results[i]!.push(await round(builds[i]!.impl, logs, records));
  }
}
const check = new DataView(logs[0]!.template.buffer);
console.log(
  `\nConsumer in process (stub cluster), ${records.toLocaleString("en-US")} records of ${recordSize} bytes, ${check.getInt32(RECORDS_COUNT_AT)} per batch (lastOffsetDelta ${check.getInt32(LAST_OFFSET_DELTA_AT)}), 4 partitions, 2 MiB per partition per fetch; ${rounds} alternating rounds:\n`,
);
console.log("| build | ns/record (wall), best / median | CPU µs/record, best / median |");
console.log("| --- | --- | --- |");
for (let i = 0; i < builds.length; i++) {
  const rs = results[i]!;
  const ns = rs.map((x) => (x.wallMs * 1e6) / x.records).sort((a, b) => a - b);
  const us = rs.map((x) => (x.cpuMs * 1e3) / x.records).sort((a, b) => a - b);
  const mid = Math.floor(rs.length / 2);
  console.log(
    `| ${builds[i]!.name} | ${ns[0]!.toFixed(0)} / ${ns[mid]!.toFixed(0)} | ${us[0]!.toFixed(3)} / ${us[mid]!.toFixed(3)} |`,
  );
}
