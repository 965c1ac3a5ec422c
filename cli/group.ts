/**
 * `datacore group …`: list, describe (members, assignments, committed offsets, log end
 * offsets and lag, like kafka-consumer-groups.sh --describe), delete and reset-offsets.
 */
import { Command } from "@commander-js/extra-typings";
import {
  ClientError,
  type CommittedOffset,
  EARLIEST,
  type GroupDescription,
  LATEST,
} from "../client/index.ts";
import { tpKey } from "../client/offsets.ts";
import { CliExit, EXIT_FAILURE } from "./exit.ts";
import { brokersOption, errorJson, withClient } from "./kafka-command.ts";
import {
  collect,
  formatOption,
  parseIntFlag,
  usageError,
  writeJson,
  writeLine,
  writePairs,
  writeTable,
} from "./output.ts";

export function groupCommand(): Command {
  const group = new Command("group").description("inspect and manage consumer groups");
  group.addCommand(listCommand());
  group.addCommand(describeCommand());
  group.addCommand(deleteCommand());
  group.addCommand(resetOffsetsCommand());
  return group;
}

function listCommand() {
  return new Command("list")
    .description("list groups")
    .addOption(brokersOption())
    .addOption(formatOption())
    .action(async (opts) => {
      const groups = await withClient(opts, (c) => c.admin().listGroups());
      if (opts.format === "json") {
        writeJson({
          groups: groups.map((g) => ({
            groupId: g.groupId,
            state: g.state || null,
            protocolType: g.protocolType,
            coordinator: g.coordinator,
          })),
        });
        return;
      }
      writeTable(
        ["group", "state", "protocol-type", "coordinator"],
        groups.map((g) => [g.groupId, g.state || "-", g.protocolType || "-", g.coordinator]),
      );
    });
}

interface OffsetRow {
  topic: string;
  partition: number;
  currentOffset: number | null;
  logEndOffset: number;
  lag: number | null;
  memberId: string | null;
  clientId: string | null;
  host: string | null;
}

function describeCommand() {
  return new Command("describe")
    .description("show a group's members, assignments, committed offsets and lag")
    .argument("<id>", "group id")
    .addOption(brokersOption())
    .addOption(formatOption())
    .action(async (id, opts) => {
      const { description, rows } = await withClient(opts, async (c) => {
        const admin = c.admin();
        let description: GroupDescription | null = null;
        try {
          description = await admin.describeGroup(id);
        } catch (err) {
          // Brokers without DescribeGroups (librdkafka's mock) still show committed offsets.
          if (!(err instanceof ClientError && err.code === "unsupported")) throw err;
        }
        if (description?.error) throw description.error;
        const committed = await admin.fetchOffsets(id, null);
        const owner = new Map<string, { memberId: string; clientId: string; host: string }>();
        for (const m of description?.members ?? []) {
          for (const tp of m.assignment)
            owner.set(tpKey(tp.topic, tp.partition), {
              memberId: m.memberId,
              clientId: m.clientId,
              host: m.clientHost,
            });
        }
        const keys = new Map<string, { topic: string; partition: number }>();
        for (const c2 of committed) if (c2.offset >= 0) keys.set(tpKey(c2.topic, c2.partition), c2);
        for (const m of description?.members ?? [])
          for (const tp of m.assignment) keys.set(tpKey(tp.topic, tp.partition), tp);
        const ends = await admin.listOffsets(
          [...keys.values()].map((k) => ({ ...k, timestamp: LATEST })),
        );
        const byKey = new Map<string, CommittedOffset>(
          committed.map((x) => [tpKey(x.topic, x.partition), x]),
        );
        const rows: OffsetRow[] = [...keys.entries()]
          .map(([k, tp]) => {
            const cur = byKey.get(k);
            const currentOffset = cur && cur.offset >= 0 ? cur.offset : null;
            const logEndOffset = ends.get(k)?.offset ?? -1;
            const o = owner.get(k);
            return {
              topic: tp.topic,
              partition: tp.partition,
              currentOffset,
              logEndOffset,
              lag: currentOffset === null ? null : Math.max(0, logEndOffset - currentOffset),
              memberId: o?.memberId ?? null,
              clientId: o?.clientId ?? null,
              host: o?.host ?? null,
            };
          })
          .sort((a, b) =>
            a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1,
          );
        return { description, rows };
      });
      if (description?.state === "Dead" && rows.length === 0) {
        // What kafka-consumer-groups.sh reports as "Consumer group 'x' does not exist".
        throw new CliExit(EXIT_FAILURE, `GROUP_ID_NOT_FOUND: group ${id} does not exist`);
      }
      const totalLag = rows.reduce((n, r) => n + (r.lag ?? 0), 0);
      if (opts.format === "json") {
        writeJson({
          groupId: id,
          state: description?.state ?? null,
          protocolType: description?.protocolType ?? null,
          protocol: description?.protocol ?? null,
          members:
            description?.members.map((m) => ({
              memberId: m.memberId,
              groupInstanceId: m.groupInstanceId,
              clientId: m.clientId,
              host: m.clientHost,
              subscription: m.subscription,
              assignment: m.assignment,
            })) ?? null,
          offsets: rows,
          totalLag,
        });
        return;
      }
      writePairs([
        ["GROUP", id],
        ["STATE", description?.state ?? "(unknown: broker lacks DescribeGroups)"],
        [
          "PROTOCOL",
          description ? `${description.protocolType || "-"}/${description.protocol || "-"}` : "-",
        ],
        ["MEMBERS", description?.members.length ?? "-"],
        ["TOTAL-LAG", totalLag],
      ]);
      writeLine();
      writeTable(
        [
          "topic",
          "partition",
          "current-offset",
          "log-end-offset",
          "lag",
          "member-id",
          "client-id",
          "host",
        ],
        rows.map((r) => [
          r.topic,
          r.partition,
          r.currentOffset ?? "-",
          r.logEndOffset,
          r.lag ?? "-",
          r.memberId,
          r.clientId,
          r.host,
        ]),
      );
    });
}

function deleteCommand() {
  return new Command("delete")
    .description("delete groups (they must have no active members)")
    .argument("<ids...>", "group ids")
    .addOption(brokersOption())
    .addOption(formatOption())
    .action(async (ids, opts) => {
      const results = await withClient(opts, (c) => c.admin().deleteGroups(ids));
      if (opts.format === "json")
        writeJson({ groups: results.map((r) => ({ groupId: r.name, error: errorJson(r.error) })) });
      else
        writeTable(
          ["group", "status"],
          results.map((r) => [r.name, r.error ? `${r.error.errorName}: ${r.error.message}` : "OK"]),
        );
      const first = results.find((r) => r.error)?.error;
      if (first) throw new CliExit(EXIT_FAILURE, `${first.errorName}: ${first.message}`);
    });
}

type Target =
  | { kind: "earliest" }
  | { kind: "latest" }
  | { kind: "offset"; offset: number }
  | { kind: "datetime"; ms: number }
  | { kind: "shift"; by: number };

function resetOffsetsCommand() {
  return new Command("reset-offsets")
    .description("move a group's committed offsets (the group must be empty)")
    .argument("<id>", "group id")
    .option(
      "-t, --topic <topic[:p,p]>",
      "topic, optionally with partitions (repeatable)",
      collect,
      [] as string[],
    )
    .option("--to-earliest", "to the earliest offset")
    .option("--to-latest", "to the log end offset")
    .option("--to-offset <n>", "to this offset (clamped to the log)")
    .option("--to-datetime <iso>", "to the first offset at or after this time")
    .option("--shift-by <n>", "move by n (negative to go back) from the committed offset")
    .option("--dry-run", "show the new offsets without committing them")
    .addOption(brokersOption())
    .addOption(formatOption())
    .action(async (id, opts) => {
      const targets: Target[] = [];
      if (opts.toEarliest) targets.push({ kind: "earliest" });
      if (opts.toLatest) targets.push({ kind: "latest" });
      if (opts.toOffset !== undefined)
        targets.push({ kind: "offset", offset: parseIntFlag("--to-offset", opts.toOffset, 0) });
      if (opts.toDatetime !== undefined) {
        const ms = Date.parse(opts.toDatetime);
        if (Number.isNaN(ms))
          throw usageError(`--to-datetime: cannot parse "${opts.toDatetime}" (use ISO 8601)`);
        targets.push({ kind: "datetime", ms });
      }
      if (opts.shiftBy !== undefined)
        targets.push({ kind: "shift", by: parseIntFlag("--shift-by", opts.shiftBy) });
      if (targets.length !== 1)
        throw usageError(
          "give exactly one of --to-earliest, --to-latest, --to-offset, --to-datetime, --shift-by",
        );
      if (opts.topic.length === 0) throw usageError("reset-offsets needs --topic");
      const target = targets[0]!;
      const specs = opts.topic.map(parseTopicSpec);
      const rows = await withClient(opts, async (c) => {
        const admin = c.admin();
        const tps: { topic: string; partition: number }[] = [];
        for (const s of specs) {
          const info = await admin.describeTopic(s.topic);
          for (const p of info.partitions)
            if (!s.partitions || s.partitions.includes(p.partition))
              tps.push({ topic: s.topic, partition: p.partition });
        }
        const committed = new Map(
          (await admin.fetchOffsets(id, tps)).map((x) => [tpKey(x.topic, x.partition), x.offset]),
        );
        const earliest = await admin.listOffsets(tps.map((tp) => ({ ...tp, timestamp: EARLIEST })));
        const latest = await admin.listOffsets(tps.map((tp) => ({ ...tp, timestamp: LATEST })));
        const byTime =
          target.kind === "datetime"
            ? await admin.listOffsets(tps.map((tp) => ({ ...tp, timestamp: target.ms })))
            : null;
        const rows = tps.map((tp) => {
          const k = tpKey(tp.topic, tp.partition);
          const lo = earliest.get(k)?.offset ?? 0;
          const hi = latest.get(k)?.offset ?? 0;
          const old = committed.get(k) ?? -1;
          let next: number;
          switch (target.kind) {
            case "earliest":
              next = lo;
              break;
            case "latest":
              next = hi;
              break;
            case "offset":
              next = target.offset;
              break;
            case "datetime": {
              const o = byTime!.get(k)?.offset ?? -1;
              next = o >= 0 ? o : hi;
              break;
            }
            case "shift":
              next = (old >= 0 ? old : hi) + target.by;
              break;
          }
          next = Math.min(Math.max(next, lo), hi);
          return {
            topic: tp.topic,
            partition: tp.partition,
            oldOffset: old >= 0 ? old : null,
            newOffset: next,
          };
        });
        if (!opts.dryRun) {
          await admin.commitOffsets(
            id,
            rows.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.newOffset })),
          );
        }
        return rows;
      });
      if (opts.format === "json") {
        writeJson({ groupId: id, dryRun: opts.dryRun ?? false, offsets: rows });
        return;
      }
      writeTable(
        ["topic", "partition", "old-offset", "new-offset"],
        rows.map((r) => [r.topic, r.partition, r.oldOffset ?? "-", r.newOffset]),
      );
      if (opts.dryRun) writeLine("(dry run: nothing committed)");
    });
}

function parseTopicSpec(text: string): { topic: string; partitions: number[] | null } {
  const i = text.indexOf(":");
  if (i < 0) return { topic: text, partitions: null };
  const topic = text.slice(0, i);
  const partitions = text
    .slice(i + 1)
    .split(",")
    .map((p) => parseIntFlag("--topic partition", p, 0));
  if (!topic) throw usageError(`--topic: missing topic name in "${text}"`);
  return { topic, partitions };
}
