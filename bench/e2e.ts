/**
 * The end-to-end workload: producers and consumers at once; latency is from the moment a
 * record was handed to the producer to the moment a consumer saw it. The send time
 * travels in the record's first 8 bytes (a float64 of ms since the time origin), so
 * records need `--record-size` ≥ 8; producer and consumers share this process's clock.
 */
import { KafkaClient } from "../client/index.ts";
import { Meter } from "./meter.ts";
import { describe } from "./produce.ts";
import {
  ensureTopic,
  Pacer,
  payload,
  StopCondition,
  shares,
  type WorkloadOptions,
  type WorkloadResult,
} from "./workload.ts";

const CHUNK = 1024;

export async function runE2e(opts: WorkloadOptions): Promise<WorkloadResult> {
  if (opts.recordSize < 8) throw new RangeError("e2e needs --record-size of at least 8 bytes");
  const clients = Array.from(
    { length: opts.clients },
    () => new KafkaClient({ brokers: opts.brokers }),
  );
  const consumerClients = Array.from(
    { length: opts.clients },
    () => new KafkaClient({ brokers: opts.brokers }),
  );
  try {
    await ensureTopic(clients[0]!.admin(), opts.topic, opts.partitions);
    const partitions = (await clients[0]!.cluster.topic(opts.topic, { refresh: true })).partitions
      .length;
    const meter = new Meter();
    const consumers = consumerClients.map((c, i) => {
      const consumer = c.consumer({
        autoOffsetReset: "latest",
        maxWaitMs: 100,
        maxPollRecords: 100_000,
      });
      const mine = Array.from({ length: partitions }, (_, p) => p).filter(
        (p) => p % opts.clients === i,
      );
      consumer.assign(mine.map((partition) => ({ topic: opts.topic, partition })));
      return consumer;
    });
    // Position consumers at the end before producing, so they see only this run's records.
    await Promise.all(consumers.map((c) => c.poll(0)));
    const producers = clients.map((c) =>
      c.producer({
        acks: opts.acks,
        lingerMs: opts.lingerMs,
        batchBytes: opts.batchBytes,
        compression: opts.compression,
      }),
    );
    const start = performance.now();
    meter.start(start);
    opts.onMeasureStart?.();
    meter.startProgress(opts.progressMs, opts.log);
    const stop = new StopCondition(opts.records, opts.durationMs, start);
    const rates = shares(opts.throughput, opts.clients);
    const budgets = opts.records > 0 ? shares(opts.records, opts.clients) : null;
    let produced = 0;
    let producing = true;
    const produceAll = Promise.all(
      producers.map(async (producer, i) => {
        const value = payload(opts.recordSize, i + 1);
        const stamp = new DataView(value.buffer, value.byteOffset, 8);
        const pacer = new Pacer(rates[i] ?? 0, start);
        const budget = budgets?.[i] ?? 0;
        let sent = 0;
        for (;;) {
          let n = pacer.unlimited ? CHUNK : Math.min(CHUNK, pacer.due(sent));
          if (n <= 0) {
            await Bun.sleep(1);
            if (stop.done) break;
            continue;
          }
          n = stop.allowance(0, n);
          if (budget > 0) n = Math.min(n, budget - sent);
          if (n <= 0) break;
          for (let k = 0; k < n; k++) {
            stamp.setFloat64(0, pacer.unlimited ? performance.now() : pacer.intendedMs(sent + k));
            const wait = producer.produce({ topic: opts.topic, value });
            if (wait) await wait;
          }
          sent += n;
          produced += n;
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
        await producer.flush();
      }),
    ).finally(() => {
      producing = false;
    });
    let consumed = 0;
    const recordBytes = opts.recordSize;
    const consumeAll = Promise.all(
      consumers.map(async (consumer) => {
        // After the producers finish, read until everything produced has been seen.
        while (producing || consumed < produced) {
          const records = await consumer.poll(200);
          const now = performance.now();
          for (const r of records) {
            const v = r.value;
            if (v === null || v.length < 8) continue;
            meter.latencyMs(now - new DataView(v.buffer, v.byteOffset, 8).getFloat64(0));
          }
          consumed += records.length;
          meter.add(records.length, records.length * recordBytes);
          if (
            !producing &&
            records.length === 0 &&
            performance.now() - start > opts.durationMs + 30_000
          )
            break;
        }
      }),
    );
    await produceAll;
    await consumeAll;
    meter.stop();
    return { workload: "e2e", ...meter.summary(), config: describe(opts) };
  } finally {
    for (const c of [...clients, ...consumerClients]) await c.close().catch(() => {});
  }
}
