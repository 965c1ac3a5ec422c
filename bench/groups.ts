/**
 * Group coordinator benchmark: durable OffsetCommit throughput through the real
 * coordinator (validation, record encoding, `__consumer_offsets` append with fdatasync,
 * offset table update) against a reference in the same run: appending the same record
 * bytes (one OffsetCommit key/value record per batch) straight to a partition through
 * the broker's produce path with acks=all. Both use the file engine in the same temp dir;
 * the ratio is the coordinator's overhead over the bare durable append.
 *
 *   ./node_modules/.bin/bun bench/groups.ts [--quick]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_CONFIG } from "../broker/config.ts";
import { BrokerCore } from "../broker/core/broker-core.ts";
import { appendToPartition } from "../broker/core/produce.ts";
import { startGroupCoordinator } from "../broker/groups/attach.ts";
import { encodeKey, encodeOffsetCommitValue } from "../broker/groups/records.ts";
import { silentLogger } from "../broker/logger.ts";
import { MemoryProducerIdAllocator } from "../broker/runtime/producer-id-file.ts";
import { buildRecordBatch } from "../protocol/records/batch.ts";
import { openStorageEngine } from "../storage/open-engine.ts";
import { systemClock, systemRandom } from "../storage/runtime/system.ts";

const quick = process.argv.includes("--quick");
const COMMITS = quick ? 2_000 : 20_000;
const dir = mkdtempSync(join(tmpdir(), "datacore-bench-groups-"));
const config = { ...DEFAULT_CONFIG, data_dir: dir, offsets_topic_num_partitions: 1 };
const engine = await openStorageEngine({
  kind: "file",
  dataDir: dir,
  clock: systemClock,
  clusterId: "bench-groups-cluster-0",
  nodeId: 1,
});
const core = await BrokerCore.open({
  config,
  clock: systemClock,
  random: systemRandom,
  logger: silentLogger,
  engine,
  producerIds: new MemoryProducerIdAllocator(),
  clusterId: "bench-groups-cluster-0",
  advertised: { host: "localhost", port: 9092 },
});
const coordinator = await startGroupCoordinator(core, silentLogger);
await core.createTopic("reference", 1, 1, {});
const reference = core.partition("reference", 0)!;

async function run(concurrency: number, one: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < COMMITS) await one(next++);
    }),
  );
  return (COMMITS / (performance.now() - start)) * 1000;
}

const commit = (i: number) =>
  coordinator
    .commitOffsets({
      groupId: "bench",
      generationIdOrMemberEpoch: -1,
      memberId: "",
      groupInstanceId: null,
      retentionTimeMs: -1,
      topics: [
        {
          name: "orders",
          partitions: [
            { partition: i % 64, offset: i, leaderEpoch: 0, metadata: "", commitTimestamp: -1 },
          ],
        },
      ],
      apiVersion: 8,
    })
    .then((r) => {
      if (r[0]!.partitions[0]!.errorCode !== 0) throw new Error("commit failed");
    });

const append = async (i: number) => {
  const now = Date.now();
  const batch = buildRecordBatch({
    records: [
      {
        key: encodeKey({ type: 1, group: "bench", topic: "orders", partition: i % 64 }),
        value: encodeOffsetCommitValue({
          offset: i,
          leaderEpoch: 0,
          metadata: "",
          commitTimestamp: now,
          expireTimestamp: -1,
        }),
        timestamp: now,
      },
    ],
  });
  const r = await appendToPartition(reference, batch, "sync", now);
  if (r.errorCode !== 0) throw new Error("append failed");
};

console.log(
  `| committers | OffsetCommit/s | durable append/s (reference) | coordinator / reference |`,
);
console.log(`| ---: | ---: | ---: | ---: |`);
for (const c of [1, 16, 64]) {
  let best = 0;
  let bestRef = 0;
  for (let round = 0; round < (quick ? 1 : 3); round++) {
    bestRef = Math.max(bestRef, await run(c, append));
    best = Math.max(best, await run(c, commit));
  }
  console.log(
    `| ${c} | ${Math.round(best).toLocaleString("en")} | ${Math.round(bestRef).toLocaleString("en")} | ${Math.round((best / bestRef) * 100)}% |`,
  );
}
coordinator.stop();
await core.close();
rmSync(dir, { recursive: true, force: true });
