/**
 * Transactions end to end: confluent-kafka-python (librdkafka 2.0.2) producing 100-byte
 * messages to 3 partitions in transactions of 100 and 1,000 messages (AddPartitionsToTxn,
 * produce, EndTxn with markers on every partition, each step fsync'd), against the
 * reference measured in the same run: an idempotent producer flushing at the same points.
 * The broker is a real process with the file engine in a temp dir.
 *
 *   ./node_modules/.bin/bun bench/txn.ts [--quick]
 */
import { join } from "node:path";
import { startEmbeddedBroker } from "./embedded.ts";

const quick = process.argv.includes("--quick");
const MESSAGES = quick ? 5_000 : 30_000;

for (const perTxn of [100, 1_000]) {
  const broker = await startEmbeddedBroker();
  try {
    const out = Bun.spawnSync([
      "/usr/bin/python3",
      join(import.meta.dir, "txn_throughput.py"),
      broker.bootstrap,
      String(MESSAGES),
      String(perTxn),
    ]);
    if (out.exitCode !== 0) throw new Error(out.stderr.toString());
    console.log(out.stdout.toString().trim());
  } finally {
    await broker.stop();
  }
}
