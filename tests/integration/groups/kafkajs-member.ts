/**
 * One kafkajs group member as its own process, so a test can SIGKILL it like a crashed
 * consumer. Prints JSON lines: {"assigned":[partitions]} after each rebalance and
 * {"p":partition,"o":offset,"v":value} per message. Offsets are committed after every
 * message (the test checks resumption exactly after the committed position).
 * Usage: bun kafkajs-member.ts <bootstrap> <group> <topic> [instance-id]
 */
import { Kafka, logLevel } from "kafkajs";

const [bootstrap, groupId, topic, instanceId] = process.argv.slice(2);
if (!bootstrap || !groupId || !topic)
  throw new Error("usage: <bootstrap> <group> <topic> [instance-id]");
const kafka = new Kafka({
  brokers: [bootstrap],
  clientId: "kafkajs-member",
  logLevel: logLevel.NOTHING,
});
const consumer = kafka.consumer({
  groupId,
  sessionTimeout: 4000,
  rebalanceTimeout: 10_000,
  heartbeatInterval: 300,
  // kafkajs heartbeats between fetches: a fetch must not outlast the session.
  maxWaitTimeInMs: 200,
  ...(instanceId ? { groupInstanceId: instanceId } : {}),
});
const out = (x: unknown) => process.stdout.write(`${JSON.stringify(x)}\n`);
consumer.on(consumer.events.GROUP_JOIN, (e) => {
  out({ assigned: (e.payload.memberAssignment[topic] ?? []).slice().sort((a, b) => a - b) });
});
await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: true });
await consumer.run({
  autoCommit: false,
  eachMessage: async ({ partition, message }) => {
    out({ p: partition, o: Number(message.offset), v: message.value?.toString() ?? null });
    await consumer.commitOffsets([
      { topic, partition, offset: String(Number(message.offset) + 1) },
    ]);
  },
});
const stop = async () => {
  await consumer.disconnect();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
