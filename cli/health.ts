/**
 * `datacore health`: exit 0 when a broker answers ApiVersions and Metadata within the
 * timeout, 1 with the reason otherwise. `--wait 30s` keeps trying for that long, for
 * scripts that start a broker and wait for it.
 */
import { Command } from "@commander-js/extra-typings";
import { KafkaClient } from "../client/index.ts";
import { CliExit, EXIT_FAILURE } from "./exit.ts";
import { brokerList, brokersOption, toCliExit } from "./kafka-command.ts";
import { formatOption, parseDurationMs, writeJson, writeLine } from "./output.ts";

interface Probe {
  healthy: boolean;
  brokers: number;
  clusterId: string | null;
  latencyMs: number;
  reason: string | null;
}

async function probe(brokers: string, timeoutMs: number): Promise<Probe> {
  const started = performance.now();
  const client = new KafkaClient({
    brokers,
    clientId: "datacore-health",
    requestTimeoutMs: timeoutMs,
    connectTimeoutMs: timeoutMs,
    retries: 0,
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    // Connecting performs ApiVersions; refreshMetadata sends Metadata.
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    const md = await Promise.race([client.cluster.refreshMetadata(), deadline]);
    return {
      healthy: true,
      brokers: md.brokers.size,
      clusterId: md.clusterId,
      latencyMs: Math.round(performance.now() - started),
      reason: null,
    };
  } catch (err) {
    const e = toCliExit(err);
    const reason = e instanceof Error ? e.message : String(e);
    return {
      healthy: false,
      brokers: 0,
      clusterId: null,
      latencyMs: Math.round(performance.now() - started),
      reason,
    };
  } finally {
    clearTimeout(timer);
    await client.close().catch(() => {});
  }
}

export function healthCommand(): Command {
  const health = new Command("health")
    .description("check that a broker answers ApiVersions and Metadata (exit 0 if healthy)")
    .option("--timeout <duration>", "time allowed for one check", "5s")
    .option("--wait <duration>", "keep checking until healthy or this much time has passed")
    .addOption(brokersOption())
    .addOption(formatOption())
    .action(async (opts) => {
      const timeoutMs = parseDurationMs(opts.timeout);
      const waitMs = opts.wait === undefined ? 0 : parseDurationMs(opts.wait);
      const brokers = brokerList(opts);
      const deadline = Date.now() + waitMs;
      let result = await probe(brokers, timeoutMs);
      while (!result.healthy && Date.now() < deadline) {
        await Bun.sleep(Math.min(250, Math.max(0, deadline - Date.now())));
        result = await probe(brokers, timeoutMs);
      }
      if (opts.format === "json") writeJson({ bootstrap: brokers, ...result });
      else if (result.healthy)
        writeLine(
          `healthy: ${brokers} answered ApiVersions and Metadata in ${result.latencyMs} ms (${result.brokers} broker(s), cluster ${result.clusterId ?? "-"})`,
        );
      if (!result.healthy) throw new CliExit(EXIT_FAILURE, `unhealthy: ${result.reason}`);
    });
  return health;
}
