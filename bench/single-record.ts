/**
 * The single-record workload (the seed commit's headline): `concurrency` producers, each
 * sending one record and awaiting its own acknowledgement before sending the next, shared
 * over `clients` connections. Batching happens only because many wait at once, so this
 * measures the broker's group commit and per-request overhead rather than raw bandwidth.
 */
import { KafkaClient } from "../client/index.ts";
import { Meter } from "./meter.ts";
import { describe } from "./produce.ts";
import {
  ensureTopic,
  payload,
  StopCondition,
  type WorkloadOptions,
  type WorkloadResult,
} from "./workload.ts";

export async function runSingleRecord(opts: WorkloadOptions): Promise<WorkloadResult> {
  const clients = Array.from(
    { length: opts.clients },
    () => new KafkaClient({ brokers: opts.brokers }),
  );
  try {
    await ensureTopic(clients[0]!.admin(), opts.topic, opts.partitions);
    const partitions = (await clients[0]!.cluster.topic(opts.topic, { refresh: true })).partitions
      .length;
    // Producer instances share the clients' connections; each keeps its own batch in
    // flight per partition, so more instances mean fewer records waiting for a slot.
    const instances = Math.max(opts.clients, opts.producers);
    const producers = Array.from({ length: instances }, (_, i) =>
      clients[i % clients.length]!.producer({
        acks: opts.acks,
        lingerMs: opts.lingerMs,
        batchBytes: opts.batchBytes,
        compression: opts.compression,
      }),
    );
    const value = payload(opts.recordSize);
    await Promise.all(producers.map((p) => p.send({ topic: opts.topic, value })));
    const meter = new Meter();
    const start = performance.now();
    meter.start(start);
    opts.onMeasureStart?.();
    meter.startProgress(opts.progressMs, opts.log);
    const stop = new StopCondition(opts.records, opts.durationMs, start);
    const recordBytes = opts.recordSize + opts.keySize;
    let started = 0;
    const worker = async (w: number) => {
      const producer = producers[w % producers.length]!;
      const key = opts.keySize > 0 ? payload(opts.keySize, w + 1) : undefined;
      // Each worker stays on one partition (its key's, or w mod partitions when keyless),
      // as independent producers would; keyless records left to the sticky partitioner
      // would all pile into one partition, and one batch per partition is in flight.
      const record = {
        topic: opts.topic,
        value,
        ...(key ? { key } : { partition: w % partitions }),
      };
      while (stop.allowance(started, 1) > 0) {
        started++;
        const t0 = performance.now();
        await producer.send(record);
        meter.latencyMs(performance.now() - t0);
        meter.add(1, recordBytes);
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency }, (_, w) => worker(w)));
    meter.stop();
    return {
      workload: "single-record",
      ...meter.summary(),
      config: { ...describe(opts), concurrency: opts.concurrency, producers: producers.length },
    };
  } finally {
    for (const c of clients) await c.close().catch(() => {});
  }
}
