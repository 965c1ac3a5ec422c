/**
 * Child process of the crash test: opens a file engine on argv[2] and appends forever
 * from several concurrent writers. Writers 0..3 use acks=all ("sync") and print
 * `ack <firstOffset> <writer> <seq>` once the append resolved; writer 4 uses acks=1 and
 * prints nothing. The parent SIGKILLs this process at a random moment.
 *
 * Batch contents are a pure function of (writer, seq), so the parent can rebuild the
 * exact bytes that were acknowledged.
 */
import { FileEngine } from "../../storage/file/file-engine.ts";
import { toOffset } from "../../storage/offset.ts";
import { nodeFileSystem } from "../../storage/runtime/node-fs.ts";
import { systemClock } from "../../storage/runtime/system.ts";
import { CRASH_LOG_CONFIG, CRASH_TOPIC, crashBatch } from "./crash-batches.ts";

const dataDir = process.argv[2];
const runId = Number(process.argv[3] ?? 0);
if (dataDir === undefined) throw new Error("usage: append-child.ts <data-dir> <run-id>");

const engine = await FileEngine.open({
  dataDir,
  fs: nodeFileSystem,
  clock: systemClock,
  clusterId: "crash",
  nodeId: 1,
  maintenanceIntervalMs: 0,
});
const log = await engine.openLog({
  topic: CRASH_TOPIC,
  partition: 0,
  topicId: "AAAAAAAAAAAAAAAAAAAAAQ",
  config: CRASH_LOG_CONFIG,
});
process.stdout.write(`ready ${log.logEndOffset()}\n`);

async function writer(id: number): Promise<void> {
  for (let seq = 0; ; seq++) {
    const durability = id < 4 ? "sync" : "write";
    const r = await log.append(crashBatch(runId, id, seq), { assignOffsets: true, durability });
    if (durability === "sync") process.stdout.write(`ack ${r.firstOffset} ${id} ${seq}\n`);
  }
}

await Promise.all([0, 1, 2, 3, 4].map(writer));
void toOffset;
