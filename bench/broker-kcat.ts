/**
 * End-to-end throughput of the broker as librdkafka sees it: kcat produces messages
 * (acks=all) to one partition and consumes them back.
 *
 * Reference in the same run: librdkafka's in-process mock cluster. The mock keeps at most
 * 100,000 messages / 5 MB per partition, so the comparison runs at 40,000 messages; a
 * second table runs datacore alone at the full size.
 *
 *   ./node_modules/.bin/bun bench/broker-kcat.ts [messages=500000] [bytes=100]
 */
import { startMockCluster } from "../tests/fixtures/mock-cluster.ts";
import { removeDir, startBrokerProcess } from "../tests/helpers/broker-process.ts";

const N = Number(process.argv[2] ?? 500_000);
const SIZE = Number(process.argv[3] ?? 100);
const N_COMPARE = 40_000;

async function timed(args: string[], input?: Uint8Array): Promise<number> {
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

async function run(bootstrap: string, topic: string, codec: string, n: number) {
  const input = new TextEncoder().encode(`${"x".repeat(SIZE)}\n`.repeat(n));
  const common = ["-b", bootstrap, "-t", topic, "-p", "0"];
  const produceMs = await timed([...common, "-P", "-z", codec, "-X", "acks=all"], input);
  // -c n: exit after n messages (the mock's end-of-partition signal is not reliable).
  const consumeMs = await timed([...common, "-C", "-o", "beginning", "-c", String(n), "-q"]);
  return { produceMs, consumeMs };
}

const rate = (n: number, ms: number) => Math.round(n / (ms / 1000));
const mb = (n: number, ms: number) => ((n * SIZE) / (ms / 1000) / 1e6).toFixed(1);
const row = (name: string, codec: string, n: number, r: { produceMs: number; consumeMs: number }) =>
  `| ${name} | ${codec} | ${rate(n, r.produceMs)} | ${mb(n, r.produceMs)} | ${rate(n, r.consumeMs)} | ${mb(n, r.consumeMs)} |`;
const HEADER =
  "| target | codec | produce msg/s | produce MB/s | consume msg/s | consume MB/s |\n| --- | --- | --- | --- | --- | --- |";

const broker = await startBrokerProcess();
const mock = await startMockCluster(1);
try {
  console.log(`kcat (librdkafka 2.0.2), ${SIZE}-byte messages, acks=all, one partition`);
  console.log(`\n${N_COMPARE} messages, datacore vs the librdkafka mock cluster:\n\n${HEADER}`);
  for (const codec of ["none", "lz4"]) {
    const ours = await run(broker.bootstrap, `cmp-${codec}`, codec, N_COMPARE);
    const ref = await run(mock.bootstrap, `cmp-${codec}`, codec, N_COMPARE);
    console.log(row("datacore (file)", codec, N_COMPARE, ours));
    console.log(row("librdkafka mock", codec, N_COMPARE, ref));
    console.log(
      `| datacore / mock | ${codec} | ${(ref.produceMs / ours.produceMs).toFixed(2)}× | | ${(ref.consumeMs / ours.consumeMs).toFixed(2)}× | |`,
    );
  }
  console.log(`\n${N} messages, datacore alone:\n\n${HEADER}`);
  for (const codec of ["none", "lz4", "zstd"]) {
    console.log(
      row("datacore (file)", codec, N, await run(broker.bootstrap, `big-${codec}`, codec, N)),
    );
  }
} finally {
  await broker.stop();
  removeDir(broker.dataDir);
  await mock.stop();
}
