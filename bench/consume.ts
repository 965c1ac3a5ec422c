/**
 * The consume workload: `clients` consumers read the topic from the beginning (partitions
 * split between them) until the record budget, the deadline, or the end offsets seen at
 * the start. A topic with fewer records than the run needs is filled first by the produce
 * workload (acks=1, not timed), so `bench consume --embedded` works alone and reads from
 * the page cache. Latency here is each poll's duration. With `decode: false` records are
 * counted from batch headers (bench/raw-fetch.ts): the broker's fetch path alone; bytes are
 * then stored batch bytes, not payload.
 */
import { KafkaClient } from "../client/index.ts";
import { EARLIEST, LATEST } from "../client/offsets.ts";
import { Meter } from "./meter.ts";
import { describe, runProduce } from "./produce.ts";
import { rawFetch } from "./raw-fetch.ts";
import {
  ensureTopic,
  StopCondition,
  type WorkloadOptions,
  type WorkloadResult,
} from "./workload.ts";

/**
 * Fetch sizes: 2 MiB per partition (Kafka's default is 1 MiB), 16 MiB per response. Larger
 * fetches bought little speed and let the broker hold tens of MiB per response in memory.
 */
const MAX_PARTITION_BYTES = 2 * 1024 * 1024;
const MAX_FETCH_BYTES = 16 * 1024 * 1024;

/** Records written before a duration-bound consume run over an empty topic. */
export const DEFAULT_FILL_RECORDS = 5_000_000;

export async function runConsume(opts: WorkloadOptions): Promise<WorkloadResult> {
  const admin = new KafkaClient({ brokers: opts.brokers });
  let ends: Map<number, number>;
  try {
    await ensureTopic(admin.admin(), opts.topic, opts.partitions);
    const partitions = (await admin.cluster.topic(opts.topic, { refresh: true })).partitions.length;
    const want = opts.records > 0 ? opts.records : DEFAULT_FILL_RECORDS;
    let available = await countRecords(admin, opts.topic, partitions);
    if (available < want) {
      opts.log(`filling ${opts.topic} with ${want - available} records (acks=1, not timed)`);
      await runProduce({
        ...opts,
        acks: 1,
        records: want - available,
        durationMs: 0,
        throughput: 0,
        progressMs: 0,
      });
      available = await countRecords(admin, opts.topic, partitions);
    }
    ends = await endOffsets(admin, opts.topic, partitions);
  } finally {
    await admin.close();
  }
  const clients = Array.from(
    { length: opts.clients },
    () => new KafkaClient({ brokers: opts.brokers }),
  );
  try {
    const meter = new Meter();
    const start = performance.now();
    meter.start(start);
    opts.onMeasureStart?.();
    meter.startProgress(opts.progressMs, opts.log);
    const stop = new StopCondition(opts.records, opts.durationMs, start);
    let consumed = 0;
    const partitionIds = [...ends.keys()];
    await Promise.all(
      clients.map(async (client, i) => {
        const mine = partitionIds.filter((p) => p % opts.clients === i);
        if (mine.length === 0) return;
        if (!opts.decode) {
          const myEnds = new Map(mine.map((p) => [p, ends.get(p) ?? 0]));
          let t0 = performance.now();
          await rawFetch(
            client.cluster,
            opts.topic,
            myEnds,
            MAX_PARTITION_BYTES,
            () => stop.allowance(consumed, 1) > 0,
            (records, bytes) => {
              const now = performance.now();
              meter.latencyMs(now - t0);
              t0 = now;
              const n = stop.allowance(consumed, records);
              meter.add(n, records > 0 ? Math.round((bytes * n) / records) : 0);
              consumed += n;
            },
          );
          return;
        }
        const consumer = client.consumer({
          autoOffsetReset: "earliest",
          maxPartitionBytes: MAX_PARTITION_BYTES,
          maxBytes: MAX_FETCH_BYTES,
          maxPollRecords: 1_000_000,
        });
        consumer.assign(mine.map((partition) => ({ topic: opts.topic, partition, offset: 0 })));
        let remaining = mine.reduce((n, p) => n + (ends.get(p) ?? 0), 0);
        while (remaining > 0 && stop.allowance(consumed, 1) > 0) {
          const t0 = performance.now();
          const records = await consumer.poll(1000);
          if (records.length === 0) continue;
          meter.latencyMs(performance.now() - t0);
          // A poll may return more than the budget has left: count only what it allows.
          const n = stop.allowance(consumed, records.length);
          let bytes = 0;
          for (let k = 0; k < n; k++) {
            const r = records[k]!;
            bytes += (r.value?.length ?? 0) + (r.key?.length ?? 0);
          }
          meter.add(n, bytes);
          consumed += n;
          remaining -= records.length;
        }
        await consumer.close();
      }),
    );
    meter.stop();
    return {
      workload: "consume",
      ...meter.summary(),
      config: { ...describe(opts), decode: opts.decode },
    };
  } finally {
    for (const c of clients) await c.close().catch(() => {});
  }
}

async function endOffsets(
  client: KafkaClient,
  topic: string,
  partitions: number,
): Promise<Map<number, number>> {
  const ids = Array.from({ length: partitions }, (_, partition) => partition);
  const [earliest, latest] = await Promise.all(
    [EARLIEST, LATEST].map((timestamp) =>
      client.admin().listOffsets(ids.map((partition) => ({ topic, partition, timestamp }))),
    ),
  );
  const out = new Map<number, number>();
  for (const p of ids) {
    const key = `${topic}\u0000${p}`;
    const lo = earliest?.get(key)?.offset ?? 0;
    const hi = latest?.get(key)?.offset ?? 0;
    out.set(p, Math.max(0, hi - lo));
  }
  return out;
}

async function countRecords(
  client: KafkaClient,
  topic: string,
  partitions: number,
): Promise<number> {
  let n = 0;
  for (const v of (await endOffsets(client, topic, partitions)).values()) n += v;
  return n;
}
