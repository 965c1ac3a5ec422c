/**
 * Transactions end to end: confluent-kafka-python (librdkafka 2.0.2) producing 100-byte
 * messages to 3 partitions in transactions of 100 and 1,000 messages (AddPartitionsToTxn,
 * produce, EndTxn with markers on every partition, each step fsync'd), against the
 * reference measured in the same run: an idempotent producer flushing at the same points.
 * The broker is a real process with the file engine in a temp dir.
 *
 *   ./node_modules/.bin/bun bench/txn.ts [--quick]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..");
const quick = process.argv.includes("--quick");
const MESSAGES = quick ? 5_000 : 30_000;

async function startBroker(dataDir: string) {
  const proc = Bun.spawn(
    [
      join(ROOT, "node_modules/.bin/bun"),
      join(ROOT, "main.ts"),
      "broker",
      "start",
      "--broker-port",
      "0",
      "--host",
      "127.0.0.1",
      "--data-dir",
      dataDir,
    ],
    { cwd: ROOT, stdout: "pipe", stderr: "pipe" },
  );
  const decoder = new TextDecoder();
  let text = "";
  const reader = proc.stdout.getReader();
  while (!/listening .*port=(\d+)/.test(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`broker did not start: ${text}`);
    text += decoder.decode(value);
  }
  reader.releaseLock();
  void proc.stdout.pipeTo(new WritableStream());
  return { proc, port: Number(/listening .*port=(\d+)/.exec(text)![1]) };
}

for (const perTxn of [100, 1_000]) {
  const dir = mkdtempSync(join(tmpdir(), "datacore-bench-txn-"));
  const broker = await startBroker(dir);
  try {
    const out = Bun.spawnSync([
      "/usr/bin/python3",
      join(import.meta.dir, "txn_throughput.py"),
      `127.0.0.1:${broker.port}`,
      String(MESSAGES),
      String(perTxn),
    ]);
    if (out.exitCode !== 0) throw new Error(out.stderr.toString());
    console.log(out.stdout.toString().trim());
  } finally {
    broker.proc.kill("SIGTERM");
    await broker.proc.exited;
    rmSync(dir, { recursive: true, force: true });
  }
}
