/** `datacore offset list --topic t`: earliest, latest and (optionally) by-timestamp offsets per partition. */
import { Command } from "@commander-js/extra-typings";
import { EARLIEST, LATEST } from "../client/index.ts";
import { tpKey } from "../client/offsets.ts";
import { brokersOption, withClient } from "./kafka-command.ts";
import { formatOption, usageError, writeJson, writeTable } from "./output.ts";

export function offsetCommand(): Command {
  const offset = new Command("offset").description("look up partition offsets");
  offset.addCommand(
    new Command("list")
      .description("earliest and latest offsets per partition (and the offset for a timestamp)")
      .requiredOption("-t, --topic <name>", "topic name")
      .option("--timestamp <time>", "also resolve this time (ISO 8601 or epoch ms) to an offset")
      .addOption(brokersOption())
      .addOption(formatOption())
      .action(async (opts) => {
        let ts: number | null = null;
        if (opts.timestamp !== undefined) {
          ts = /^\d+$/.test(opts.timestamp) ? Number(opts.timestamp) : Date.parse(opts.timestamp);
          if (Number.isNaN(ts)) throw usageError(`--timestamp: cannot parse "${opts.timestamp}"`);
        }
        const topic = opts.topic;
        const rows = await withClient(opts, async (c) => {
          const admin = c.admin();
          const info = await admin.describeTopic(topic);
          const tps = info.partitions.map((p) => ({ topic, partition: p.partition }));
          const earliest = await admin.listOffsets(
            tps.map((tp) => ({ ...tp, timestamp: EARLIEST })),
          );
          const latest = await admin.listOffsets(tps.map((tp) => ({ ...tp, timestamp: LATEST })));
          const byTime =
            ts === null
              ? null
              : await admin.listOffsets(tps.map((tp) => ({ ...tp, timestamp: ts })));
          return tps.map((tp) => {
            const k = tpKey(tp.topic, tp.partition);
            return {
              topic,
              partition: tp.partition,
              earliest: earliest.get(k)?.offset ?? -1,
              latest: latest.get(k)?.offset ?? -1,
              ...(byTime ? { atTimestamp: byTime.get(k)?.offset ?? -1 } : {}),
            };
          });
        });
        if (opts.format === "json") {
          writeJson({ topic, timestamp: ts, partitions: rows });
          return;
        }
        const headers = [
          "topic",
          "partition",
          "earliest",
          "latest",
          ...(ts === null ? [] : ["offset-at-timestamp"]),
        ];
        writeTable(
          headers,
          rows.map((r) => [
            r.topic,
            r.partition,
            r.earliest,
            r.latest,
            ...(ts === null ? [] : [r.atTimestamp ?? -1]),
          ]),
        );
      }),
  );
  return offset;
}
