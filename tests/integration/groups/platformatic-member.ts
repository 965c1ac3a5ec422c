/**
 * One @platformatic/kafka member speaking the KIP-848 consumer protocol, as its own
 * process so a test can SIGKILL it. Prints {"assigned":[partitions]} whenever its
 * assignment changes and {"p","o","v"} per message (autocommit every 100 ms).
 * Usage: bun platformatic-member.ts <bootstrap> <group> <topic>
 */
import { Consumer } from "@platformatic/kafka";

const [bootstrap, groupId, topic] = process.argv.slice(2);
if (!bootstrap || !groupId || !topic) throw new Error("usage: <bootstrap> <group> <topic>");
const consumer = new Consumer({
  clientId: "platformatic-member",
  groupId,
  bootstrapBrokers: [bootstrap],
  groupProtocol: "consumer",
  rebalanceTimeout: 60_000,
});
const out = (x: unknown) => process.stdout.write(`${JSON.stringify(x)}\n`);
const stream = await consumer.consume({
  topics: [topic],
  mode: "committed",
  fallbackMode: "earliest",
  autocommit: 100,
  maxWaitTime: 200,
});
stream.on("data", (m) => out({ p: m.partition, o: Number(m.offset), v: m.value.toString() }));
let last = "";
setInterval(() => {
  const partitions = (consumer.assignments ?? [])
    .flatMap((a) => (a.topic === topic ? a.partitions : []))
    .sort((x, y) => x - y);
  const key = JSON.stringify(partitions);
  if (key !== last) {
    last = key;
    out({ assigned: partitions });
  }
}, 20);
process.on("SIGTERM", async () => {
  await consumer.close(true);
  process.exit(0);
});
