/**
 * `datacore topic consume <name>`: prints records as they arrive (kcat -C, rpk topic
 * consume). Without `--group` it reads the partitions directly from `--offset`; with one it
 * joins the group and commits. `--format` takes text (value per line), json (one object per
 * line) or an rpk-style template such as '%k %v %p %o\n'.
 */
import { Command } from "@commander-js/extra-typings";
import {
  type Consumer,
  type ConsumerRecord,
  EARLIEST,
  type KafkaClient,
  LATEST,
} from "../client/index.ts";
import { tpKey } from "../client/offsets.ts";
import { brokersOption, withClient } from "./kafka-command.ts";
import { collect, parseIntFlag, usageError } from "./output.ts";
import { compileTemplate, type FormattableRecord } from "./record-format.ts";

type StartSpec =
  | { kind: "start" }
  | { kind: "end" }
  | { kind: "offset"; offset: number }
  | { kind: "fromEnd"; n: number }
  | { kind: "time"; ms: number };

export function parseOffsetSpec(text: string): StartSpec {
  const t = text.trim();
  if (t === "start" || t === "earliest" || t === "beginning" || t === "oldest")
    return { kind: "start" };
  if (t === "end" || t === "latest" || t === "newest") return { kind: "end" };
  if (/^\d+$/.test(t)) return { kind: "offset", offset: Number(t) };
  if (/^-\d+$/.test(t)) return { kind: "fromEnd", n: -Number(t) };
  if (t.startsWith("@")) {
    const v = t.slice(1);
    const ms = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
    if (Number.isNaN(ms)) throw usageError(`invalid timestamp in --offset "${text}"`);
    return { kind: "time", ms };
  }
  throw usageError(`invalid --offset "${text}" (use start, end, N, -N or @timestamp)`);
}

const decoder = new TextDecoder();
const text = (b: Uint8Array | null) => (b === null ? null : decoder.decode(b));

function jsonLine(r: ConsumerRecord): string {
  return `${JSON.stringify({
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestamp,
    key: text(r.key),
    value: text(r.value),
    headers: r.headers.map((h) => ({ key: h.key, value: text(h.value) })),
  })}\n`;
}

export function consumeCommand() {
  return new Command("consume")
    .description("consume records and print them")
    .argument("<name>", "topic name")
    .option(
      "-o, --offset <spec>",
      "where to start: start, end, N, -N (N before the end) or @timestamp",
    )
    .option("--from-beginning", "start at the earliest offset (same as --offset start)")
    .option("-p, --partition <n>", "only this partition (repeatable)", collect, [] as string[])
    .option("-g, --group <id>", "consume as a member of this group (commits offsets)")
    .option("-n, --num <n>", "exit after this many records")
    .option("-e, --exit-at-end", "exit once every partition is read up to its end at start time")
    .option("--format <format>", "text (values), json, or a template like '%k %v %p %o\\n'", "text")
    .addOption(brokersOption())
    .action(async (name, opts) => {
      if (opts.fromBeginning && opts.offset)
        throw usageError("use either --from-beginning or --offset");
      const spec = opts.fromBeginning
        ? ({ kind: "start" } as const)
        : opts.offset
          ? parseOffsetSpec(opts.offset)
          : null;
      const limit =
        opts.num === undefined ? Number.POSITIVE_INFINITY : parseIntFlag("--num", opts.num, 1);
      const onlyPartitions = opts.partition.map((p) => parseIntFlag("--partition", p, 0));
      if (opts.group && onlyPartitions.length > 0)
        throw usageError("--partition cannot be combined with --group");
      const format = opts.format;
      let render: (r: ConsumerRecord) => Uint8Array | string;
      if (format === "text") render = (r) => (r.value === null ? "\n" : concat(r.value, NEWLINE));
      else if (format === "json") render = jsonLine;
      else {
        try {
          const tpl = compileTemplate(format);
          render = (r) => tpl(r as FormattableRecord);
        } catch (err) {
          throw usageError(err instanceof Error ? err.message : String(err));
        }
      }
      await withClient(opts, async (client) => {
        const consumer = client.consumer({
          ...(opts.group ? { groupId: opts.group } : {}),
          autoOffsetReset: spec?.kind === "start" ? "earliest" : "latest",
          autoCommit: false,
          // A short-lived CLI member: if it dies without LeaveGroup, the group should not
          // wait the 45 s default before handing its partitions to someone else.
          sessionTimeoutMs: 10_000,
          heartbeatIntervalMs: 1000,
          maxWaitMs: 200,
        });
        let stop = false;
        const onSignal = () => {
          stop = true;
        };
        process.on("SIGINT", onSignal);
        process.on("SIGTERM", onSignal);
        try {
          const ends = await setup(
            client,
            consumer,
            name,
            spec,
            onlyPartitions,
            opts.group ?? null,
            opts.exitAtEnd ?? false,
          );
          let seen = 0;
          while (!stop && seen < limit) {
            if (ends && reachedEnd(consumer, ends)) break;
            const records = await consumer.poll(500);
            if (records.length === 0) continue;
            const chunks: (Uint8Array | string)[] = [];
            for (const r of records) {
              if (seen >= limit) break;
              chunks.push(render(r));
              seen++;
            }
            await writeOut(chunks);
            if (opts.group) {
              // Commit exactly what was printed, not the rest of the fetched batch.
              const last = new Map<string, { topic: string; partition: number; offset: number }>();
              for (const r of records.slice(0, chunks.length)) {
                last.set(tpKey(r.topic, r.partition), {
                  topic: r.topic,
                  partition: r.partition,
                  offset: r.offset + 1,
                });
              }
              await consumer.commit([...last.values()]);
            }
          }
        } finally {
          process.off("SIGINT", onSignal);
          process.off("SIGTERM", onSignal);
          await consumer.close();
        }
      });
    });
}

const NEWLINE = Uint8Array.of(0x0a);

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

async function writeOut(chunks: (Uint8Array | string)[]): Promise<void> {
  const bytes = chunks.map((c) => (typeof c === "string" ? new TextEncoder().encode(c) : c));
  let n = 0;
  for (const b of bytes) n += b.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const b of bytes) {
    out.set(b, o);
    o += b.length;
  }
  if (!process.stdout.write(out))
    await new Promise<void>((resolve) => process.stdout.once("drain", () => resolve()));
}

/** Assigns (or subscribes) and positions the consumer; returns end offsets when exiting at end. */
async function setup(
  client: KafkaClient,
  consumer: Consumer,
  topic: string,
  spec: StartSpec | null,
  onlyPartitions: number[],
  group: string | null,
  exitAtEnd: boolean,
): Promise<Map<string, number> | null> {
  const admin = client.admin();
  const info = await admin.describeTopic(topic);
  const partitions = info.partitions
    .map((p) => p.partition)
    .filter((p) => onlyPartitions.length === 0 || onlyPartitions.includes(p));
  for (const p of onlyPartitions) {
    if (!info.partitions.some((x) => x.partition === p))
      throw usageError(`topic ${topic} has no partition ${p}`);
  }
  const ends = exitAtEnd
    ? new Map(
        [
          ...(
            await admin.listOffsets(
              partitions.map((partition) => ({ topic, partition, timestamp: LATEST })),
            )
          ).values(),
        ].map((a) => [tpKey(a.topic, a.partition), a.offset]),
      )
    : null;
  if (group) {
    consumer.subscribe([topic]);
    if (spec && spec.kind !== "start" && spec.kind !== "end") {
      throw usageError(
        "with --group, --offset accepts only start or end (the group's committed offsets apply)",
      );
    }
    return ends;
  }
  const starts = await startOffsets(client, topic, partitions, spec ?? { kind: "end" });
  consumer.assign(
    partitions.map((partition) => ({ topic, partition, offset: starts.get(partition)! })),
  );
  return ends;
}

async function startOffsets(
  client: KafkaClient,
  topic: string,
  partitions: number[],
  spec: StartSpec,
): Promise<Map<number, number>> {
  const admin = client.admin();
  const lookup = async (timestamp: number) => {
    const answers = await admin.listOffsets(
      partitions.map((partition) => ({ topic, partition, timestamp })),
    );
    return new Map(partitions.map((p) => [p, answers.get(tpKey(topic, p))?.offset ?? -1]));
  };
  switch (spec.kind) {
    case "start":
      return lookup(EARLIEST);
    case "end":
      return lookup(LATEST);
    case "offset":
      return new Map(partitions.map((p) => [p, spec.offset]));
    case "fromEnd": {
      const [earliest, latest] = [await lookup(EARLIEST), await lookup(LATEST)];
      return new Map(
        partitions.map((p) => [p, Math.max(earliest.get(p)!, latest.get(p)! - spec.n)]),
      );
    }
    case "time": {
      const [byTime, latest] = [await lookup(spec.ms), await lookup(LATEST)];
      return new Map(
        partitions.map((p) => [p, byTime.get(p)! >= 0 ? byTime.get(p)! : latest.get(p)!]),
      );
    }
  }
}

function reachedEnd(consumer: Consumer, ends: Map<string, number>): boolean {
  for (const l of consumer.lag()) {
    const end = ends.get(tpKey(l.topic, l.partition));
    if (end === undefined) continue;
    if (l.position === null || l.position < end) return false;
  }
  return consumer.assignment().length > 0 || ends.size === 0;
}
