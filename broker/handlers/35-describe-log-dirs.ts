/**
 * DescribeLogDirs (key 35), v0–v4: one log dir (the data dir) with each partition's size;
 * offset lag is 0 (no follower copies) and no future replicas. totalBytes/usableBytes
 * (v4) are -1: the engine does not report disk space.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { ApiKey } from "../../protocol/messages/generated/apis.ts";
import { defineHandler } from "./registry.ts";

export const describeLogDirsHandler = defineHandler({
  apiKey: ApiKey.DescribeLogDirs,
  minVersion: 0,
  maxVersion: 4,
  handle(ctx, request) {
    const { core } = ctx;
    const wanted =
      request.topics === null
        ? core
            .listTopics()
            .map((t) => ({ topic: t.meta.name, partitions: t.partitions.map((p) => p.index) }))
        : request.topics;
    const topics = [];
    for (const w of wanted) {
      const topic = core.topic(w.topic);
      if (!topic) continue;
      const partitions = [];
      for (const index of w.partitions) {
        const p = topic.partitions[index];
        if (!p) continue;
        partitions.push({
          partitionIndex: index,
          partitionSize: BigInt(p.log.sizeInBytes()),
          offsetLag: 0n,
          isFutureKey: false,
        });
      }
      topics.push({ name: w.topic, partitions });
    }
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      results: [
        {
          errorCode: ErrorCode.NONE,
          logDir: core.config.data_dir,
          topics,
          totalBytes: -1n,
          usableBytes: -1n,
        },
      ],
    };
  },
});
