/**
 * `datacore kv get|put|delete|list <topic>`: the key-value store (client/kv) for scripts.
 * Each call opens a store (bootstrapping the topic's current contents), does one thing
 * and closes. Reads never create the topic; writes create it compacted, like the library.
 * Exit codes: 0 done, 1 missing key / topic or a broker failure, 2 bad usage.
 */
import { Command } from "@commander-js/extra-typings";
import { KvError, KvStore, utf8 } from "../client/index.ts";
import { CliExit, EXIT_FAILURE, EXIT_USAGE } from "./exit.ts";
import { brokerList, brokersOption, toCliExit, usageErrorsExit2 } from "./kafka-command.ts";
import {
  formatOption,
  parseDurationMs,
  parseIntFlag,
  writeJson,
  writeLine,
  writeTable,
} from "./output.ts";

export function kvCommand(): Command {
  const kv = new Command("kv").description(
    "use a compacted topic as a key-value store (get, put, delete, list)",
  );
  kv.addCommand(getCommand());
  kv.addCommand(putCommand());
  kv.addCommand(deleteCommand());
  kv.addCommand(listCommand());
  return usageErrorsExit2(kv);
}

interface StoreFlags {
  brokers?: string;
  timeout: string;
}

const TIMEOUT_HELP = "give up on the operation after this long (e.g. 500ms, 30s)";

async function withStore<T>(
  topic: string,
  flags: StoreFlags,
  create: boolean,
  fn: (kv: KvStore) => Promise<T>,
): Promise<T> {
  const operationTimeoutMs = parseDurationMs(flags.timeout);
  let kv: KvStore | null = null;
  try {
    kv = await KvStore.open(topic, {
      brokers: brokerList(flags),
      clientId: "datacore-cli",
      create,
      operationTimeoutMs,
    });
    return await fn(kv);
  } catch (err) {
    throw kvExit(err);
  } finally {
    await kv?.close();
  }
}

function kvExit(err: unknown): unknown {
  if (!(err instanceof KvError)) return toCliExit(err);
  const code = err.code === "invalid_argument" ? EXIT_USAGE : EXIT_FAILURE;
  return new CliExit(code, `${err.code.toUpperCase()}: ${err.message}`);
}

function getCommand() {
  return new Command("get")
    .description("print the value of a key (exit 1 when the key is absent)")
    .argument("<topic>", "topic name")
    .argument("<key>", "key")
    .option("--timeout <duration>", TIMEOUT_HELP, "15s")
    .addOption(brokersOption())
    .addOption(formatOption())
    .action(async (topic, key, opts) => {
      const value = await withStore(topic, opts, false, async (kv) => kv.get(key));
      if (value === undefined)
        throw new CliExit(
          EXIT_FAILURE,
          `KEY_NOT_FOUND: key ${JSON.stringify(key)} is not in ${topic}`,
        );
      if (opts.format === "json") writeJson({ key, value: utf8(value) });
      else
        process.stdout.write(value.length > 0 && value.at(-1) === 10 ? value : `${utf8(value)}\n`);
    });
}

function putCommand() {
  return new Command("put")
    .description("set a key; the value comes from the argument or, without one, from stdin")
    .argument("<topic>", "topic name")
    .argument("<key>", "key")
    .argument("[value]", "value (default: all of stdin)")
    .option("--timeout <duration>", TIMEOUT_HELP, "15s")
    .addOption(brokersOption())
    .addOption(formatOption())
    .action(async (topic, key, value, opts) => {
      const bytes =
        value === undefined
          ? new Uint8Array(await new Response(Bun.stdin.stream()).arrayBuffer())
          : value;
      await withStore(topic, opts, true, (kv) => kv.put(key, bytes));
      if (opts.format === "json") writeJson({ key, status: "ok" });
    });
}

function deleteCommand() {
  return new Command("delete")
    .description("delete a key (writes a tombstone; deleting an absent key is not an error)")
    .argument("<topic>", "topic name")
    .argument("<key>", "key")
    .option("--timeout <duration>", TIMEOUT_HELP, "15s")
    .addOption(brokersOption())
    .addOption(formatOption())
    .action(async (topic, key, opts) => {
      const existed = await withStore(topic, opts, true, async (kv) => {
        const had = kv.has(key);
        await kv.delete(key);
        return had;
      });
      if (opts.format === "json") writeJson({ key, existed });
    });
}

function listCommand() {
  return new Command("list")
    .description("list keys and values in key order")
    .argument("<topic>", "topic name")
    .option("--prefix <prefix>", "only keys starting with this")
    .option("--start <key>", "from this key (inclusive)")
    .option("--end <key>", "up to this key (exclusive)")
    .option("-n, --limit <n>", "at most this many entries")
    .option("--keys-only", "print keys only")
    .option("--timeout <duration>", TIMEOUT_HELP, "15s")
    .addOption(brokersOption())
    .addOption(formatOption())
    .action(async (topic, opts) => {
      if (opts.prefix !== undefined && (opts.start !== undefined || opts.end !== undefined))
        throw new CliExit(EXIT_USAGE, "--prefix cannot be combined with --start or --end");
      const limit = opts.limit === undefined ? undefined : parseIntFlag("--limit", opts.limit, 1);
      const query =
        opts.prefix !== undefined
          ? { prefix: opts.prefix }
          : {
              ...(opts.start !== undefined ? { start: opts.start } : {}),
              ...(opts.end !== undefined ? { end: opts.end } : {}),
            };
      const entries = await withStore(topic, opts, false, async (kv) => {
        const out: { key: string; value: string }[] = [];
        for await (const e of kv.range(query, limit === undefined ? {} : { limit }))
          out.push({ key: utf8(e.key), value: utf8(e.value) });
        return out;
      });
      if (opts.format === "json")
        writeJson({ entries: opts.keysOnly ? entries.map((e) => ({ key: e.key })) : entries });
      else if (opts.keysOnly) for (const e of entries) writeLine(e.key);
      else if (entries.length > 0)
        writeTable(
          ["key", "value"],
          entries.map((e) => [e.key, e.value]),
        );
    });
}
