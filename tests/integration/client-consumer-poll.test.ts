/**
 * Consumer poll semantics against datacore: with a small maxPollRecords, position() of
 * each partition is the offset after the last record handed to the application (as in
 * the Java client), never the fetch position that runs ahead with buffered records; and a
 * poll waiting in a long fetch when the consumer is closed ends instead of spinning.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { KafkaClient } from "../../client/index.ts";
import { type RunningBroker, startBroker } from "../fixtures/datacore-broker.ts";

let broker: RunningBroker;
let kafka: KafkaClient;
beforeAll(async () => {
  broker = await startBroker();
  kafka = new KafkaClient({ brokers: broker.bootstrap });
});
afterAll(async () => {
  await kafka.close();
  await broker.stop();
});

test("with maxPollRecords 3 over three partitions, position() follows exactly the records poll returned", async () => {
  await kafka.admin().createTopics([{ name: "pos", partitions: 3 }]);
  const producer = kafka.producer({ lingerMs: 1 });
  for (let i = 0; i < 90; i++) producer.produce({ topic: "pos", partition: i % 3, value: `v${i}` });
  await producer.flush();

  const consumer = kafka.consumer({ autoOffsetReset: "earliest", maxPollRecords: 3 });
  const tps = [0, 1, 2].map((partition) => ({ topic: "pos", partition }));
  consumer.assign(tps);
  const handed = new Map<number, number>(); // partition → offset after the last handed record
  let total = 0;
  const deadline = Date.now() + 15_000;
  while (total < 90 && Date.now() < deadline) {
    const records = await consumer.poll(200);
    expect(records.length).toBeLessThanOrEqual(3);
    for (const r of records) {
      // Each record continues where the application left off: nothing skipped.
      expect(r.offset).toBe(handed.get(r.partition) ?? 0);
      handed.set(r.partition, r.offset + 1);
    }
    total += records.length;
    for (const tp of tps) {
      const pos = consumer.position(tp);
      expect(pos).toBe(handed.get(tp.partition) ?? 0);
    }
  }
  expect(total).toBe(90);
  expect(consumer.lag().map((l) => l.position)).toEqual([30, 30, 30]);
  await consumer.close();
}, 30_000);

test("close() while a poll waits in a 30 s long fetch ends that poll with no records", async () => {
  await kafka.admin().createTopics([{ name: "idle", partitions: 1 }]);
  const consumer = kafka.consumer({ autoOffsetReset: "latest", maxWaitMs: 30_000 });
  consumer.assign([{ topic: "idle", partition: 0 }]);
  const polling = consumer.poll(30_000);
  await Bun.sleep(300); // the fetch is now parked on the broker
  await consumer.close();
  // Before the fix the poll kept looping over closed connections until its 30 s were up.
  const outcome = await Promise.race([
    polling.then((records) => records.length),
    Bun.sleep(10_000).then(() => "still polling"),
  ]);
  expect(outcome).toBe(0);
}, 30_000);
