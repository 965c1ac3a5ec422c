/**
 * The key-value store (client/kv) against a datacore broker process (file engine):
 * single put latency (produce + read back by the store's own follower), per-op cost in
 * batches of 100, and bootstrap time for N keys. References measured in the same run:
 * a bare idempotent acks=all producer.send (the floor under a put), 100 concurrent sends
 * (the floor under a batch), and a bare consumer reading the same N records (the floor
 * under a bootstrap).
 *
 *   ./node_modules/.bin/bun bench/kv.ts [puts=2000] [batches=200] [bootstrapKeys=1000000]
 */
import { KafkaClient, KvStore } from "../client/index.ts";
import { removeDir, startBrokerProcess } from "../tests/helpers/broker-process.ts";
import { Histogram } from "./histogram.ts";

const PUTS = Number(process.argv[2] ?? 2000);
const BATCHES = Number(process.argv[3] ?? 200);
const BOOT_KEYS = Number(process.argv[4] ?? 1_000_000);
const VALUE = "v".repeat(100);

const us = (startMs: number) => (performance.now() - startMs) * 1000;
const ms = (v: number) => (v / 1000).toFixed(2);
const row = (name: string, h: Histogram) =>
  `| ${name} | ${ms(h.percentile(50))} | ${ms(h.percentile(99))} | ${ms(h.mean)} | ${h.count} |`;

const broker = await startBrokerProcess();
const kafka = new KafkaClient({ brokers: broker.bootstrap });
try {
  const kv = await KvStore.open("bench-kv", { brokers: broker.bootstrap });
  await kafka.admin().createTopics([{ name: "bench-raw", partitions: 1 }]);
  const producer = kafka.producer({ lingerMs: 0 });
  const raw = (key: string) =>
    producer.send({ topic: "bench-raw", partition: 0, key, value: VALUE });

  // Warm-up: connections, producer ids, JIT.
  for (let i = 0; i < 200; i++) {
    await kv.put(`warm-${i}`, VALUE);
    await raw(`warm-${i}`);
  }

  // Interleaved so load from other jobs on the machine hits both alike.
  const put = new Histogram();
  const send = new Histogram();
  for (let i = 0; i < PUTS; i++) {
    let t = performance.now();
    await kv.put(`key-${i % 1000}`, VALUE);
    put.record(us(t));
    t = performance.now();
    await raw(`key-${i % 1000}`);
    send.record(us(t));
  }

  const batch = new Histogram();
  const sends100 = new Histogram();
  let batchTotalMs = 0;
  let sendsTotalMs = 0;
  for (let b = 0; b < BATCHES; b++) {
    const kb = kv.batch();
    for (let i = 0; i < 100; i++) kb.put(`batch-${(b * 100 + i) % 5000}`, VALUE);
    let t = performance.now();
    await kb.execute();
    batch.record(us(t));
    batchTotalMs += performance.now() - t;
    t = performance.now();
    await Promise.all(Array.from({ length: 100 }, (_, i) => raw(`batch-${(b * 100 + i) % 5000}`)));
    sends100.record(us(t));
    sendsTotalMs += performance.now() - t;
  }
  await kv.close();

  // Bootstrap: N distinct keys written with a plain producer, then a store opens on them.
  await kafka
    .admin()
    .createTopics([
      { name: "bench-boot", partitions: 1, configs: { "cleanup.policy": "compact" } },
    ]);
  const bulk = kafka.producer({ lingerMs: 5 });
  let t = performance.now();
  for (let i = 0; i < BOOT_KEYS; i++) {
    const wait = bulk.produce({
      topic: "bench-boot",
      partition: 0,
      key: `user-${String(i).padStart(8, "0")}`,
      value: VALUE,
    });
    if (wait) await wait;
  }
  await bulk.flush();
  const loadMs = performance.now() - t;
  // The same keys in a scrambled order (as a log written by many clients looks): every
  // insert lands mid-map. 7919 is prime, so i → i·7919 mod N is a permutation unless N is
  // a multiple of it.
  await kafka
    .admin()
    .createTopics([
      { name: "bench-boot-scrambled", partitions: 1, configs: { "cleanup.policy": "compact" } },
    ]);
  for (let i = 0; i < BOOT_KEYS; i++) {
    const wait = bulk.produce({
      topic: "bench-boot-scrambled",
      partition: 0,
      key: `user-${String((i * 7919) % BOOT_KEYS).padStart(8, "0")}`,
      value: VALUE,
    });
    if (wait) await wait;
  }
  await bulk.flush();

  // Reference: a bare consumer reading the same records (no copy, no index).
  const consumer = kafka.consumer({
    autoOffsetReset: "earliest",
    maxPartitionBytes: 8 * 1024 * 1024,
    maxPollRecords: Number.MAX_SAFE_INTEGER,
  });
  consumer.assign([{ topic: "bench-boot", partition: 0, offset: 0 }]);
  t = performance.now();
  let seen = 0;
  while (seen < BOOT_KEYS) seen += (await consumer.poll(1000)).length;
  const readMs = performance.now() - t;
  await consumer.close();

  Bun.gc(true);
  const heapBefore = process.memoryUsage().heapUsed;
  t = performance.now();
  const boot = await KvStore.open("bench-boot", {
    brokers: broker.bootstrap,
    create: false,
    operationTimeoutMs: 120_000,
  });
  const bootMs = performance.now() - t;
  Bun.gc(true);
  const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 1e6;
  if (boot.size !== BOOT_KEYS)
    throw new Error(`bootstrap saw ${boot.size} keys, expected ${BOOT_KEYS}`);
  t = performance.now();
  let scanned = 0;
  for await (const _ of boot.range({ prefix: "user-0001" })) scanned++;
  const scanMs = performance.now() - t;
  await boot.close();
  t = performance.now();
  const scrambled = await KvStore.open("bench-boot-scrambled", {
    brokers: broker.bootstrap,
    create: false,
    operationTimeoutMs: 120_000,
  });
  const scrambledMs = performance.now() - t;
  if (scrambled.size !== BOOT_KEYS)
    throw new Error(`scrambled bootstrap saw ${scrambled.size} keys, expected ${BOOT_KEYS}`);
  await scrambled.close();

  console.log(`datacore (file engine) at ${broker.bootstrap}; values ${VALUE.length} bytes`);
  console.log("| operation | p50 ms | p99 ms | mean ms | samples |");
  console.log("| --- | --- | --- | --- | --- |");
  console.log(row("kv.put (read-your-own-writes)", put));
  console.log(row("reference: producer.send acks=all", send));
  console.log(row("kv.batch of 100 .execute()", batch));
  console.log(row("reference: 100 concurrent sends", sends100));
  console.log(
    `put / send p50: ${(put.percentile(50) / send.percentile(50)).toFixed(2)}x; batch per op: ${(batchTotalMs / (BATCHES * 100)).toFixed(3)} ms (sends: ${(sendsTotalMs / (BATCHES * 100)).toFixed(3)} ms)`,
  );
  console.log(
    `bootstrap of ${BOOT_KEYS} keys: ${(bootMs / 1000).toFixed(2)} s (${Math.round(BOOT_KEYS / (bootMs / 1000))} keys/s, heap +${heapMb.toFixed(0)} MB); bare consumer read: ${(readMs / 1000).toFixed(2)} s (${(bootMs / readMs).toFixed(2)}x); loading them took ${(loadMs / 1000).toFixed(2)} s`,
  );
  console.log(
    `bootstrap of the same keys in scrambled order: ${(scrambledMs / 1000).toFixed(2)} s (${(scrambledMs / readMs).toFixed(2)}x the bare read)`,
  );
  console.log(`prefix scan of ${scanned} keys: ${scanMs.toFixed(1)} ms`);
} finally {
  await kafka.close();
  await broker.stop();
  removeDir(broker.dataDir);
}
