/**
 * `datacore topic …`: create, list, describe, delete, alter-config, add-partitions,
 * produce and consume — what `rpk topic` and kcat do, over the Kafka protocol.
 */
import { Command } from "@commander-js/extra-typings";
import { ClientError, EARLIEST, LATEST, type TopicInfo } from "../client/index.ts";
import { tpKey } from "../client/offsets.ts";
import { CliExit, EXIT_FAILURE } from "./exit.ts";
import { brokersOption, errorJson, withClient } from "./kafka-command.ts";
import {
  collect,
  formatOption,
  parseIntFlag,
  parseKeyValues,
  usageError,
  writeJson,
  writeLine,
  writePairs,
  writeTable,
} from "./output.ts";
import { consumeCommand } from "./topic-consume.ts";
import { produceCommand } from "./topic-produce.ts";

export function topicCommand(): Command {
  const topic = new Command("topic").description(
    "create, inspect, produce to and consume from topics",
  );
  topic.addCommand(createCommand());
  topic.addCommand(listCommand());
  topic.addCommand(describeCommand());
  topic.addCommand(deleteCommand());
  topic.addCommand(alterConfigCommand());
  topic.addCommand(addPartitionsCommand());
  topic.addCommand(produceCommand());
  topic.addCommand(consumeCommand());
  return topic;
}

function createCommand() {
  return new Command("create")
    .description("create topics")
    .argument("<names...>", "topic names")
    .option("-p, --partitions <n>", "number of partitions (broker default if omitted)")
    .option("-r, --replicas <n>", "replication factor (broker default if omitted)")
    .option("-c, --config <key=value>", "topic config (repeatable)", collect, [] as string[])
    .option("--dry-run", "validate only, create nothing")
    .addOption(brokersOption())
    .addOption(formatOption())
    .action(async (names, opts) => {
      const partitions =
        opts.partitions === undefined ? -1 : parseIntFlag("--partitions", opts.partitions, 1);
      const replicas =
        opts.replicas === undefined ? -1 : parseIntFlag("--replicas", opts.replicas, 1);
      const configs = Object.fromEntries(parseKeyValues("--config", opts.config));
      const results = await withClient(opts, (c) =>
        c.admin().createTopics(
          names.map((name) => ({ name, partitions, replicationFactor: replicas, configs })),
          { validateOnly: opts.dryRun ?? false },
        ),
      );
      if (opts.format === "json") {
        writeJson({
          topics: results.map((r) => ({
            name: r.name,
            topicId: r.topicId,
            partitions: r.partitions,
            replicationFactor: r.replicationFactor,
            error: errorJson(r.error),
          })),
        });
      } else {
        writeTable(
          ["topic", "status"],
          results.map((r) => [r.name, r.error ? `${r.error.errorName}: ${r.error.message}` : "OK"]),
        );
      }
      failIfAny(results.map((r) => r.error));
    });
}

function listCommand() {
  return new Command("list")
    .description("list topics")
    .option("-i, --internal", "include internal topics")
    .addOption(brokersOption())
    .addOption(formatOption())
    .action(async (opts) => {
      const topics = await withClient(opts, (c) =>
        c.admin().listTopics({ internal: opts.internal ?? false }),
      );
      if (opts.format === "json") {
        writeJson({
          topics: topics.map((t) => ({
            name: t.name,
            topicId: t.topicId,
            partitions: t.partitions.length,
            replicationFactor: replicationFactor(t),
            internal: t.internal,
          })),
        });
        return;
      }
      writeTable(
        ["name", "partitions", "replicas"],
        topics.map((t) => [t.name, t.partitions.length, replicationFactor(t)]),
      );
    });
}

function replicationFactor(t: TopicInfo): number {
  return t.partitions[0]?.replicas.length ?? 0;
}

function describeCommand() {
  return new Command("describe")
    .description("show a topic's partitions (leaders, replicas, ISR, offsets) and configs")
    .argument("<name>", "topic name")
    .addOption(brokersOption())
    .addOption(formatOption())
    .action(async (name, opts) => {
      const result = await withClient(opts, async (c) => {
        const admin = c.admin();
        const info = await admin.describeTopic(name);
        const queries = info.partitions.flatMap((p) => [
          { topic: name, partition: p.partition, timestamp: EARLIEST },
        ]);
        const earliest = await admin.listOffsets(queries);
        const latest = await admin.listOffsets(queries.map((q) => ({ ...q, timestamp: LATEST })));
        let configs: Awaited<ReturnType<typeof admin.describeConfigs>> | null = null;
        let configsError: string | null = null;
        try {
          configs = await admin.describeConfigs("topic", name);
        } catch (err) {
          // Brokers without DescribeConfigs (librdkafka's mock) still get the rest.
          if (!(err instanceof ClientError && err.code === "unsupported")) throw err;
          configsError = err.message;
        }
        return { info, earliest, latest, configs, configsError };
      });
      const { info, earliest, latest, configs, configsError } = result;
      const partitions = info.partitions.map((p) => ({
        partition: p.partition,
        leader: p.leader,
        leaderEpoch: p.leaderEpoch,
        replicas: p.replicas,
        isr: p.isr,
        offlineReplicas: p.offline,
        logStartOffset: earliest.get(tpKey(name, p.partition))?.offset ?? -1,
        highWatermark: latest.get(tpKey(name, p.partition))?.offset ?? -1,
      }));
      if (opts.format === "json") {
        writeJson({
          name: info.name,
          topicId: info.topicId,
          internal: info.internal,
          partitions,
          configs:
            configs?.map((c) => ({
              name: c.name,
              value: c.sensitive ? null : c.value,
              source: c.source,
              readOnly: c.readOnly,
              sensitive: c.sensitive,
            })) ?? null,
        });
        return;
      }
      writeLine("SUMMARY");
      writeLine("=======");
      writePairs([
        ["NAME", info.name],
        ["ID", info.topicId],
        ["INTERNAL", info.internal],
        ["PARTITIONS", info.partitions.length],
        ["REPLICAS", replicationFactor(info)],
      ]);
      writeLine();
      writeLine("CONFIGS");
      writeLine("=======");
      if (configs) {
        writeTable(
          ["key", "value", "source"],
          configs.map((c) => [c.name, c.sensitive ? "(sensitive)" : (c.value ?? "-"), c.source]),
        );
      } else {
        writeLine(`(not available: ${configsError})`);
      }
      writeLine();
      writeLine("PARTITIONS");
      writeLine("==========");
      writeTable(
        [
          "partition",
          "leader",
          "epoch",
          "replicas",
          "isr",
          "offline",
          "log-start-offset",
          "high-watermark",
        ],
        partitions.map((p) => [
          p.partition,
          p.leader,
          p.leaderEpoch,
          `[${p.replicas.join(" ")}]`,
          `[${p.isr.join(" ")}]`,
          p.offlineReplicas.length ? `[${p.offlineReplicas.join(" ")}]` : "-",
          p.logStartOffset,
          p.highWatermark,
        ]),
      );
    });
}

function deleteCommand() {
  return new Command("delete")
    .description("delete topics")
    .argument("<names...>", "topic names")
    .addOption(brokersOption())
    .addOption(formatOption())
    .action(async (names, opts) => {
      const results = await withClient(opts, (c) => c.admin().deleteTopics(names));
      if (opts.format === "json") {
        writeJson({ topics: results.map((r) => ({ name: r.name, error: errorJson(r.error) })) });
      } else {
        writeTable(
          ["topic", "status"],
          results.map((r) => [r.name, r.error ? `${r.error.errorName}: ${r.error.message}` : "OK"]),
        );
      }
      failIfAny(results.map((r) => r.error));
    });
}

function alterConfigCommand() {
  return new Command("alter-config")
    .description("set or delete topic configs (IncrementalAlterConfigs)")
    .argument("<name>", "topic name")
    .option("-s, --set <key=value>", "set a config (repeatable)", collect, [] as string[])
    .option("-d, --delete <key>", "remove a config override (repeatable)", collect, [] as string[])
    .addOption(brokersOption())
    .addOption(formatOption())
    .action(async (name, opts) => {
      const sets = parseKeyValues("--set", opts.set);
      if (sets.length === 0 && opts.delete.length === 0)
        throw usageError("alter-config needs --set or --delete");
      const ops = [
        ...sets.map(([k, value]) => ({ name: k, op: "set" as const, value })),
        ...opts.delete.map((k) => ({ name: k, op: "delete" as const })),
      ];
      await withClient(opts, (c) => c.admin().incrementalAlterConfigs("topic", name, ops));
      if (opts.format === "json") {
        writeJson({ topic: name, set: Object.fromEntries(sets), deleted: opts.delete });
      } else {
        writeTable(
          ["topic", "key", "change"],
          [
            ...sets.map(([k, v]) => [name, k, `set ${v}`]),
            ...opts.delete.map((k) => [name, k, "deleted"]),
          ],
        );
      }
    });
}

function addPartitionsCommand() {
  return new Command("add-partitions")
    .description("add partitions to a topic")
    .argument("<name>", "topic name")
    .requiredOption("-n, --num <n>", "number of partitions to add")
    .addOption(brokersOption())
    .addOption(formatOption())
    .action(async (name, opts) => {
      const add = parseIntFlag("--num", opts.num, 1);
      const { before, result } = await withClient(opts, async (c) => {
        const admin = c.admin();
        const info = await admin.describeTopic(name);
        const before = info.partitions.length;
        return { before, result: await admin.createPartitions(name, before + add) };
      });
      if (opts.format === "json") {
        writeJson({
          topic: name,
          partitionsBefore: before,
          partitionsAfter: before + add,
          error: errorJson(result.error),
        });
      } else {
        writeTable(
          ["topic", "partitions", "status"],
          [
            [
              name,
              `${before} -> ${before + add}`,
              result.error ? `${result.error.errorName}: ${result.error.message}` : "OK",
            ],
          ],
        );
      }
      failIfAny([result.error]);
    });
}

function failIfAny(errors: readonly ({ errorName: string; message: string } | null)[]): void {
  const first = errors.find((e) => e !== null);
  if (first) throw new CliExit(EXIT_FAILURE, `${first.errorName}: ${first.message}`);
}
