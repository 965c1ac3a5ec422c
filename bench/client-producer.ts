/**
 * Client throughput: how fast datacore's producer and consumer move records.
 *
 * 1. Batch encoding in process: BatchBuilder (records written straight into the batch
 *    buffer) against protocol/records' buildRecordBatch (one object per record), same data.
 * 2. End to end against a datacore broker process (memory engine): our Producer
 *    (acks=all, idempotent) and Consumer against kcat (librdkafka 2.0.2) moving the same
 *    messages through the same broker in the same run.
 *
 * 3. `in-process`: the Producer alone, against a stub cluster that encodes every Produce
 *    request with the real codec (as the connection does) and acknowledges it on the next
 *    turn of the event loop; the load loop is bench/produce.ts's (one `produce()` per
 *    record, a callback every 64th, a yield every 2048). Reports ns and CPU µs per record
 *    of the client alone, without a broker or a socket sharing the machine; with
 *    `--reference <producer.ts>` it alternates rounds with another Producer build (e.g. an
 *    older tree's) so both see the same background load.
 *
 *   ./node_modules/.bin/bun bench/client-producer.ts [messages=1000000] [bytes=100]
 *   ./node_modules/.bin/bun bench/client-producer.ts in-process [records=3000000] [bytes=100] [--reference <producer.ts>] [--rounds 5]
 */
import { KafkaClient } from "../client/index.ts";
import { BatchBuilder } from "../client/producer/batch-builder.ts";
import { buildRecordBatch } from "../protocol/records/batch.ts";
import { removeDir, startBrokerProcess } from "../tests/helpers/broker-process.ts";
import { runInProcess } from "./producer-in-process.ts";
import { takeFlag } from "./script-args.ts";

if (process.argv[2] === "in-process") {
  const args = process.argv.slice(3);
  const reference = takeFlag(args, "--reference");
  const rounds = takeFlag(args, "--rounds");
  await runInProcess({
    records: Number(args[0] ?? 3_000_000),
    recordSize: Number(args[1] ?? 100),
    ...(reference ? { reference } : {}),
    ...(rounds ? { rounds: Number(rounds) } : {}),
  });
  process.exit(0);
}

const N = Number(process.argv[2] ?? 1_000_000);
const SIZE = Number(process.argv[3] ?? 100);
const value = new Uint8Array(SIZE).fill(120);
const rate = (n: number, ms: number) => Math.round(n / (ms / 1000)).toLocaleString("en-US");

function encodeOnce(): { oursMs: number; refMs: number; n: number; bytes: number } {
  const perBatch = Math.floor((1024 * 1024) / (SIZE + 10));
  const batches = Math.ceil(N / perBatch);
  let t = performance.now();
  let bytes = 0;
  for (let b = 0; b < batches; b++) {
    const builder = new BatchBuilder(1024 * 1024 + 1024, 0);
    for (let i = 0; i < perBatch; i++) builder.append(1_700_000_000_000, null, value);
    bytes += builder.finish({
      producerId: 1,
      producerEpoch: 0,
      baseSequence: 0,
      transactional: false,
    }).length;
  }
  const oursMs = performance.now() - t;
  t = performance.now();
  for (let b = 0; b < batches; b++) {
    const records = [];
    for (let i = 0; i < perBatch; i++) records.push({ value, timestamp: 1_700_000_000_000 });
    buildRecordBatch({ records, producerId: 1, producerEpoch: 0, baseSequence: 0 });
  }
  return { oursMs, refMs: performance.now() - t, n: batches * perBatch, bytes };
}

function encodeBench(): void {
  encodeOnce(); // warm-up: let the JIT compile both encoders before timing
  let best = encodeOnce();
  for (let i = 0; i < 2; i++) {
    const r = encodeOnce();
    best = { ...r, oursMs: Math.min(best.oursMs, r.oursMs), refMs: Math.min(best.refMs, r.refMs) };
  }
  const { oursMs, refMs, n, bytes } = best;
  console.log(
    `\nBatch encoding, ${n.toLocaleString("en-US")} records of ${SIZE} bytes (${(bytes / 1e6).toFixed(0)} MB), CRC included, best of 3:\n`,
  );
  console.log("| encoder | records/s |\n| --- | --- |");
  console.log(`| BatchBuilder (client) | ${rate(n, oursMs)} |`);
  console.log(`| buildRecordBatch (objects per record) | ${rate(n, refMs)} |`);
  console.log(`| ratio | ${(refMs / oursMs).toFixed(2)}× |`);
}

async function kcat(args: string[], input?: Uint8Array): Promise<number> {
  const start = performance.now();
  const proc = Bun.spawn(["/usr/bin/kcat", ...args], {
    stdin: input ?? "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [, err, code] = await Promise.all([
    new Response(proc.stdout).arrayBuffer(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  if (code !== 0) throw new Error(`kcat ${args.join(" ")}: ${err}`);
  return performance.now() - start;
}

async function ourProduce(kafka: KafkaClient, topic: string, partitions: number): Promise<number> {
  const producer = kafka.producer({ lingerMs: 5, batchBytes: 1024 * 1024 });
  // Warm the metadata so the timed loop measures producing, not the first lookup.
  await producer.send({ topic, value, partition: 0 });
  const t = performance.now();
  for (let i = 0; i < N; i++) {
    const wait = producer.produce({ topic, value, partition: partitions > 1 ? i % partitions : 0 });
    if (wait) await wait;
  }
  await producer.flush();
  return performance.now() - t;
}

async function ourConsume(
  kafka: KafkaClient,
  topic: string,
  partitions: number,
  expected: number,
): Promise<number> {
  const consumer = kafka.consumer({
    autoOffsetReset: "earliest",
    maxPartitionBytes: 4 * 1024 * 1024,
  });
  consumer.assign(
    Array.from({ length: partitions }, (_, partition) => ({ topic, partition, offset: 0 })),
  );
  const t = performance.now();
  let n = 0;
  while (n < expected) n += (await consumer.poll(1000)).length;
  const ms = performance.now() - t;
  await consumer.close();
  return ms;
}

encodeBench();
const broker = await startBrokerProcess({
  args: ["--storage-engine", "memory"],
});
try {
  const kafka = new KafkaClient({ brokers: broker.bootstrap });
  const input = new TextEncoder().encode(`${"x".repeat(SIZE)}\n`.repeat(N));
  // The machine is shared: each figure is the best of ROUNDS, and ours and kcat's runs are
  // interleaved so both see the same background load.
  const ROUNDS = 3;
  const best = { p1: Infinity, p4: Infinity, c1: Infinity, kp: Infinity, kc: Infinity };
  for (let round = 0; round < ROUNDS; round++) {
    await kafka.admin().createTopics([
      { name: `ours-1-${round}`, partitions: 1 },
      { name: `ours-4-${round}`, partitions: 4 },
      { name: `kcat-1-${round}`, partitions: 1 },
    ]);
    best.p1 = Math.min(best.p1, await ourProduce(kafka, `ours-1-${round}`, 1));
    const common = ["-b", broker.bootstrap, "-t", `kcat-1-${round}`, "-p", "0"];
    best.kp = Math.min(
      best.kp,
      await kcat(
        [...common, "-P", "-X", "acks=all", "-X", "enable.idempotence=true", "-X", "linger.ms=5"],
        input,
      ),
    );
    best.p4 = Math.min(best.p4, await ourProduce(kafka, `ours-4-${round}`, 4));
    best.c1 = Math.min(best.c1, await ourConsume(kafka, `ours-1-${round}`, 1, N + 1));
    best.kc = Math.min(
      best.kc,
      await kcat([...common, "-C", "-o", "beginning", "-c", String(N), "-q"]),
    );
  }
  console.log(
    `\nEnd to end, datacore broker (memory engine), ${N.toLocaleString("en-US")} messages of ${SIZE} bytes, acks=all, idempotent, best of ${ROUNDS}:\n`,
  );
  console.log(
    "| client | produce msg/s (1 partition) | produce msg/s (4 partitions) | consume msg/s (1 partition) |",
  );
  console.log("| --- | --- | --- | --- |");
  console.log(
    `| datacore client | ${rate(N, best.p1)} | ${rate(N, best.p4)} | ${rate(N, best.c1)} |`,
  );
  console.log(`| kcat (librdkafka) | ${rate(N, best.kp)} | | ${rate(N, best.kc)} |`);
  console.log(
    `| ratio | ${(best.kp / best.p1).toFixed(2)}× | | ${(best.kc / best.c1).toFixed(2)}× |`,
  );
  await kafka.close();
} finally {
  await broker.stop();
  removeDir(broker.dataDir);
}
