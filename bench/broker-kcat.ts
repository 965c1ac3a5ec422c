/**
 * End-to-end throughput of the broker as librdkafka sees it: kcat produces N messages
 * (acks=all) and consumes them back, against a datacore broker process (file engine) and,
 * as the reference in the same run, librdkafka's in-process mock cluster.
 *
 *   ./node_modules/.bin/bun bench/broker-kcat.ts [messages=500000] [bytes=100]
 */
import { startMockCluster } from "../tests/fixtures/mock-cluster.ts";
import { removeDir, startBrokerProcess } from "../tests/helpers/broker-process.ts";

const N = Number(process.argv[2] ?? 500_000);
const SIZE = Number(process.argv[3] ?? 100);

function payload(): Uint8Array {
  const line = `${"x".repeat(SIZE)}\n`;
  return new TextEncoder().encode(line.repeat(N));
}

async function timed(args: string[], input?: Uint8Array): Promise<number> {
  const start = performance.now();
  const proc = Bun.spawn(["/usr/bin/kcat", ...args], {
    stdin: input ?? "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).arrayBuffer(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  if (code !== 0) throw new Error(`kcat ${args.join(" ")}: ${err}`);
  if (input === undefined && out.byteLength !== N * (SIZE + 1)) {
    throw new Error(`${args[1]}: consumed ${out.byteLength} bytes, expected ${N * (SIZE + 1)}`);
  }
  return performance.now() - start;
}

async function run(bootstrap: string, topic: string, codec: string) {
  const input = payload();
  const produceMs = await timed(["-b", bootstrap, "-P", "-t", topic, "-p", "0", "-z", codec, "-X", "acks=all"], input);
  const consumeMs = await timed(["-b", bootstrap, "-C", "-t", topic, "-p", "0", "-o", "beginning", "-c", String(N), "-q"]);
  return { produceMs, consumeMs };
}

const rate = (ms: number) => Math.round(N / (ms / 1000));
const mb = (ms: number) => ((N * SIZE) / (ms / 1000) / 1e6).toFixed(1);

const broker = await startBrokerProcess();
const mock = await startMockCluster(1);
console.error(`datacore ${broker.bootstrap}, mock ${mock.bootstrap}`);
try {
  console.log(`${N} messages of ${SIZE} bytes, kcat (librdkafka 2.0.2), acks=all`);
  console.log("| target | codec | produce msg/s | produce MB/s | consume msg/s | consume MB/s |");
  console.log("| --- | --- | --- | --- | --- | --- |");
  for (const codec of ["none", "lz4"]) {
    const ours = await run(broker.bootstrap, `bench-${codec}`, codec);
    const ref = await run(mock.bootstrap, `bench-${codec}`, codec);
    console.log(`| datacore (file) | ${codec} | ${rate(ours.produceMs)} | ${mb(ours.produceMs)} | ${rate(ours.consumeMs)} | ${mb(ours.consumeMs)} |`);
    console.log(`| librdkafka mock | ${codec} | ${rate(ref.produceMs)} | ${mb(ref.produceMs)} | ${rate(ref.consumeMs)} | ${mb(ref.consumeMs)} |`);
    console.log(
      `| ratio datacore/mock | ${codec} | ${(ref.produceMs / ours.produceMs).toFixed(2)}× | | ${(ref.consumeMs / ours.consumeMs).toFixed(2)}× | |`,
    );
  }
} finally {
  await broker.stop();
  removeDir(broker.dataDir);
  await mock.stop();
}
