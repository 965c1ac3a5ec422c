/**
 * The Producer's own CPU per record, without a broker or a socket: a stub cluster encodes
 * each Produce request with the real codec into a reused SegmentWriter, as BrokerConnection
 * does before writing to the socket (large batches by reference, the framing copied), and
 * acknowledges every partition on the next turn
 * of the event loop. The load loop is bench/produce.ts's: one `produce()` per record, the
 * same record object, a callback on every 64th record, a yield every 2048 records.
 * Used by `bench/client-producer.ts in-process`.
 */
import type { Cluster, TopicInfo } from "../client/cluster.ts";
import { Apis } from "../client/net/apis.ts";
import { SegmentWriter } from "../client/net/segment-writer.ts";
import type { Producer, ProducerOptions } from "../client/producer/producer.ts";
import { payload } from "./workload.ts";

const TOPIC = "bench";
const PARTITIONS = 4;
const SAMPLE_EVERY = 64;
const CHUNK = 2048;

type ProducerClass = new (cluster: Cluster, opts?: ProducerOptions) => Producer;

/** Just what the Producer uses of a Cluster; Produce requests are encoded, then acknowledged. */
class StubCluster {
  readonly requestTimeoutMs = 30_000;
  readonly retry = { retries: 3, backoffMs: 10, backoffMaxMs: 100 };
  readonly metadata = { topics: new Map<string, TopicInfo>() };
  readonly #writer = new SegmentWriter(64 * 1024);
  readonly #nextOffset = new Map<number, bigint>();
  requests = 0;
  requestBytes = 0;

  constructor() {
    this.metadata.topics.set(TOPIC, {
      name: TOPIC,
      topicId: "",
      internal: false,
      errorCode: 0,
      partitions: Array.from({ length: PARTITIONS }, (_, partition) => ({
        partition,
        leader: 1,
        leaderEpoch: 0,
        replicas: [1],
        isr: [1],
        offline: [],
        errorCode: 0,
      })),
    } as TopicInfo);
  }

  async topic(name: string): Promise<TopicInfo> {
    const t = this.metadata.topics.get(name);
    if (!t) throw new Error(`unknown topic ${name}`);
    return t;
  }

  async refreshMetadata(): Promise<unknown> {
    return this.metadata;
  }

  invalidate(): void {}

  retrying<T>(fn: (attempt: number) => Promise<T>): Promise<T> {
    return fn(0);
  }

  async send(
    _target: unknown,
    api: { key: number },
    // biome-ignore lint/suspicious/noExplicitAny: one stub answers two APIs with different shapes.
    build: (v: number) => any,
    // biome-ignore lint/suspicious/noExplicitAny: as above.
  ): Promise<{ response: any; version: number }> {
    if (api.key === Apis.InitProducerId.key) {
      return { response: { errorCode: 0, producerId: 7n, producerEpoch: 0 }, version: 4 };
    }
    const version = Apis.Produce.maxVersion;
    const req = build(version);
    const w = this.#writer.reset();
    Apis.Produce.encode(w, req, version);
    this.requests++;
    this.requestBytes += w.totalLength;
    // The broker's answer arrives on a later turn of the event loop.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const responses = [];
    for (const t of req.topicData) {
      const partitionResponses = [];
      for (const p of t.partitionData) {
        const records = p.records as Uint8Array;
        const count = new DataView(records.buffer, records.byteOffset).getInt32(57);
        const base = this.#nextOffset.get(p.index) ?? 0n;
        this.#nextOffset.set(p.index, base + BigInt(count));
        partitionResponses.push({
          index: p.index,
          errorCode: 0,
          baseOffset: base,
          logAppendTimeMs: -1n,
          logStartOffset: 0n,
          recordErrors: [],
          errorMessage: null,
        });
      }
      responses.push({ name: t.name, partitionResponses });
    }
    return { response: { responses, throttleTimeMs: 0 }, version };
  }
}

interface RoundResult {
  wallMs: number;
  cpuMs: number;
  records: number;
  requests: number;
  requestBytes: number;
}

async function round(ProducerImpl: ProducerClass, n: number, size: number): Promise<RoundResult> {
  const cluster = new StubCluster();
  const producer = new ProducerImpl(cluster as unknown as Cluster, {
    lingerMs: 5,
    batchBytes: 1024 * 1024,
  });
  await producer.send({ topic: TOPIC, value: payload(size) }); // producer id, first batch
  const record = { topic: TOPIC, value: payload(size, 1) };
  let acked = 0;
  let unacked = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let sent = 0; sent < n; ) {
    const end = Math.min(n, sent + CHUNK);
    for (; sent < end; sent++) {
      let wait: Promise<void> | undefined;
      if (++unacked === SAMPLE_EVERY) {
        const count = unacked;
        unacked = 0;
        wait = producer.produce(record, (err) => {
          if (!err) acked += count;
        });
      } else {
        wait = producer.produce(record);
      }
      if (wait) await wait;
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  await producer.flush();
  acked += unacked;
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await producer.close();
  if (acked !== n) throw new Error(`acknowledged ${acked} of ${n} records`);
  return {
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    records: n,
    requests: cluster.requests,
    requestBytes: cluster.requestBytes,
  };
}

export interface InProcessOptions {
  records: number;
  recordSize: number;
  /** Path of another producer.ts (inside a copy of the tree) to alternate with. */
  reference?: string;
  rounds?: number;
}

export async function runInProcess(opts: InProcessOptions): Promise<void> {
  const builds: { name: string; impl: ProducerClass }[] = [
    { name: "this tree", impl: (await import("../client/producer/producer.ts")).Producer },
  ];
  if (opts.reference) {
    const mod = (await import(opts.reference)) as { Producer: ProducerClass };
    builds.push({ name: `reference (${opts.reference})`, impl: mod.Producer });
  }
  const rounds = opts.rounds ?? 5;
  // Warm-up: let the JIT compile each build before anything is timed.
  for (const b of builds) await round(b.impl, Math.min(opts.records, 500_000), opts.recordSize);
  const results = builds.map(() => [] as RoundResult[]);
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < builds.length; i++) {
      Bun.gc(true);
      results[i]!.push(await round(builds[i]!.impl, opts.records, opts.recordSize));
    }
  }
  console.log(
    `\nProducer in process (stub cluster, real request encoding), ${opts.records.toLocaleString("en-US")} records of ${opts.recordSize} bytes, 4 partitions, acks=all, idempotent; ${rounds} alternating rounds:\n`,
  );
  console.log(
    "| build | ns/record (wall), best / median | CPU µs/record, best / median | records per request |",
  );
  console.log("| --- | --- | --- | --- |");
  for (let i = 0; i < builds.length; i++) {
    const rs = results[i]!;
    const ns = rs.map((x) => (x.wallMs * 1e6) / x.records).sort((a, b) => a - b);
    const us = rs.map((x) => (x.cpuMs * 1e3) / x.records).sort((a, b) => a - b);
    const perReq = rs[0]!.records / rs[0]!.requests;
    const mid = Math.floor(rs.length / 2);
    console.log(
      `| ${builds[i]!.name} | ${ns[0]!.toFixed(0)} / ${ns[mid]!.toFixed(0)} | ${us[0]!.toFixed(3)} / ${us[mid]!.toFixed(3)} | ${perReq.toFixed(0)} |`,
    );
  }
}
