/**
 * `datacore topic produce <name>`: one record per input line from stdin (kcat -P, rpk
 * topic produce). `-K <sep>` splits each line into key and value at the first separator;
 * `--key` gives every record the same key.
 */
import { Command, Option } from "@commander-js/extra-typings";
import type { CompressionName } from "../client/producer/compression.ts";
import { brokersOption, withClient } from "./kafka-command.ts";
import {
  collect,
  formatOption,
  parseIntFlag,
  parseKeyValues,
  usageError,
  writeJson,
  writeLine,
} from "./output.ts";
import { LineSplitter, splitKey, unescapeCli } from "./record-format.ts";

export function produceCommand() {
  return new Command("produce")
    .description("produce records from stdin, one per line")
    .argument("<name>", "topic name")
    .option("-k, --key <key>", "key for every record")
    .option(
      "-K, --key-separator <sep>",
      "split each line into key and value at the first <sep> (kcat -K)",
    )
    .option(
      "-H, --header <key=value>",
      "header for every record (repeatable)",
      collect,
      [] as string[],
    )
    .option("-p, --partition <n>", "produce to this partition (default: key hash, or sticky)")
    .option("-D, --delimiter <delim>", "record delimiter (default \\n)")
    .addOption(
      new Option("--acks <acks>", "acks: all, 1 or 0")
        .choices(["all", "-1", "1", "0"])
        .default("all"),
    )
    .addOption(
      new Option("-z, --compression <codec>", "compression codec")
        .choices(["none", "gzip", "snappy", "lz4", "zstd"])
        .default("none"),
    )
    .addOption(brokersOption())
    .addOption(formatOption())
    .action(async (name, opts) => {
      const partition =
        opts.partition === undefined ? undefined : parseIntFlag("--partition", opts.partition, 0);
      const headers = parseKeyValues("--header", opts.header).map(([key, value]) => ({
        key,
        value,
      }));
      const delimiter = opts.delimiter === undefined ? "\n" : unescapeCli(opts.delimiter);
      if (new TextEncoder().encode(delimiter).length !== 1)
        throw usageError("--delimiter must be a single byte");
      const separator =
        opts.keySeparator === undefined
          ? null
          : new TextEncoder().encode(unescapeCli(opts.keySeparator));
      if (separator && separator.length === 0)
        throw usageError("--key-separator must not be empty");
      const acks = opts.acks === "all" ? -1 : (Number(opts.acks) as 0 | 1 | -1);
      const perPartition = new Map<number, number>();
      let count = 0;
      await withClient(opts, async (c) => {
        // Fail at once when no broker answers, instead of retrying for the delivery timeout.
        await c.cluster.refreshMetadata();
        const producer = c.producer({
          acks,
          idempotent: acks === -1,
          compression: opts.compression as CompressionName,
          lingerMs: 5,
          // A CLI should not hang for minutes on a topic that cannot be produced to.
          deliveryTimeoutMs: 30_000,
        });
        let failure: Error | null = null;
        let wait: Promise<void> | undefined;
        const send = (line: Uint8Array) => {
          let key: Uint8Array | string | null = opts.key ?? null;
          let value: Uint8Array = line;
          if (separator) ({ key, value } = splitKey(line, separator));
          count++;
          wait = producer.produce(
            {
              topic: name,
              key,
              value,
              ...(headers.length ? { headers } : {}),
              ...(partition !== undefined ? { partition } : {}),
            },
            (err, meta) => {
              if (err) failure ??= err;
              else if (meta)
                perPartition.set(meta.partition, (perPartition.get(meta.partition) ?? 0) + 1);
            },
          );
        };
        const splitter = new LineSplitter(new TextEncoder().encode(delimiter)[0]);
        for await (const chunk of Bun.stdin.stream()) {
          splitter.push(chunk, send);
          // Back-pressure: stop reading stdin while the producer's buffer is full.
          if (wait) await wait;
          wait = undefined;
          if (failure) break;
        }
        splitter.end(send);
        await producer.flush();
        if (failure) throw failure;
      });
      const partitions = [...perPartition]
        .sort((a, b) => a[0] - b[0])
        .map(([p, records]) => ({ partition: p, records }));
      if (opts.format === "json") writeJson({ topic: name, records: count, partitions });
      else writeLine(`Produced ${count} records to ${name}`);
    });
}
