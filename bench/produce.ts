/**
 * The batched produce workload: `clients` producers queue records as fast as the client's
 * buffer allows (or at the `--throughput` cap); records count when acknowledged.
 * Latency (send → acknowledgement) is sampled on one record in SAMPLE_EVERY: records of a
 * batch are acknowledged together, so a sample per batch-worth of records describes the
 * distribution without a callback per record.
 */
import { KafkaClient, type Producer } from "../client/index.ts";
import { Meter } from "./meter.ts";
import {
  acksName,
  ensureTopic,
  Pacer,
  payload,
  StopCondition,
  shares,
  type WorkloadOptions,
  type WorkloadResult,
  writeKey,
} from "./workload.ts";

const SAMPLE_EVERY = 64;
/** Records queued between yields to the event loop (so acks and timers run). */
const CHUNK = 2048;

export async function runProduce(opts: WorkloadOptions): Promise<WorkloadResult> {
  const clients = Array.from(
    { length: opts.clients },
    () => new KafkaClient({ brokers: opts.brokers }),
  );
  try {
    await ensureTopic(clients[0]!.admin(), opts.topic, opts.partitions);
    const producers = clients.map((c) =>
      c.producer({
        acks: opts.acks,
        lingerMs: opts.lingerMs,
        batchBytes: opts.batchBytes,
        compression: opts.compression,
      }),
    );
    // Warm-up: metadata and (acks=all) the producer id, outside the measurement.
    await Promise.all(
      producers.map((p) => p.send({ topic: opts.topic, value: payload(opts.recordSize) })),
    );
    const meter = new Meter();
    const start = performance.now();
    meter.start(start);
    opts.onMeasureStart?.();
    meter.startProgress(opts.progressMs, opts.log);
    const stop = new StopCondition(opts.records, opts.durationMs, start);
    const perClientRate = shares(opts.throughput, opts.clients);
    const recordBudget = opts.records > 0 ? shares(opts.records, opts.clients) : null;
    await Promise.all(
      producers.map((p, i) =>
        produceLoop(
          p,
          opts,
          meter,
          stop,
          new Pacer(perClientRate[i] ?? 0, start),
          recordBudget?.[i] ?? 0,
          i,
        ),
      ),
    );
    meter.stop();
    return {
      workload: "produce",
      ...meter.summary(),
      config: describe(opts),
    };
  } finally {
    for (const c of clients) await c.close().catch(() => {});
  }
}

async function produceLoop(
  producer: Producer,
  opts: WorkloadOptions,
  meter: Meter,
  stop: StopCondition,
  pacer: Pacer,
  budget: number,
  index: number,
): Promise<void> {
  const value = payload(opts.recordSize, index + 1);
  const key = opts.keySize > 0 ? new Uint8Array(opts.keySize) : undefined;
  const recordBytes = opts.recordSize + opts.keySize;
  const record = { topic: opts.topic, value, ...(key ? { key } : {}) };
  let sent = 0;
  // Counting per batch would need the client's batch boundaries; a callback on every
  // SAMPLE_EVERY-th record both samples latency and counts the records before it.
  let unacked = 0;
  for (;;) {
    let want = CHUNK;
    if (!pacer.unlimited) {
      want = Math.min(CHUNK, pacer.due(sent));
      if (want <= 0) {
        await Bun.sleep(1);
        if (stop.done) break;
        continue;
      }
    }
    let n = stop.allowance(0, want);
    if (budget > 0) n = Math.min(n, budget - sent);
    if (n <= 0) break;
    for (let i = 0; i < n; i++) {
      const k = sent + i;
      if (key) writeKey(key, k * 7919 + index);
      unacked++;
      let wait: Promise<void> | undefined;
      if (unacked === SAMPLE_EVERY) {
        const count = unacked;
        unacked = 0;
        const t0 = pacer.unlimited ? performance.now() : pacer.intendedMs(k);
        wait = producer.produce(record, (err) => {
          if (err) return;
          meter.latencyMs(performance.now() - t0);
          meter.add(count, count * recordBytes);
        });
      } else {
        wait = producer.produce(record);
      }
      if (wait) await wait;
    }
    sent += n;
    // Let acknowledgements and linger timers run between chunks.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  await producer.flush();
  if (unacked > 0) meter.add(unacked, unacked * recordBytes);
}

export function describe(opts: WorkloadOptions): Record<string, unknown> {
  return {
    topic: opts.topic,
    partitions: opts.partitions,
    recordSize: opts.recordSize,
    keySize: opts.keySize,
    clients: opts.clients,
    acks: acksName(opts.acks),
    compression: opts.compression,
    lingerMs: opts.lingerMs,
    batchBytes: opts.batchBytes,
    throughput: opts.throughput,
    records: opts.records,
    durationMs: opts.durationMs,
  };
}
