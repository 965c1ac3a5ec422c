import { Command, Option } from "@commander-js/extra-typings";
import type { BrokerConfig } from "../broker/config.ts";
import { createLogger } from "../broker/logger.ts";
import { DataDirError, type RunningBroker, startBroker } from "../broker/start.ts";
import { loadConfig, renderToml } from "./config-sources.ts";
import { CliExit, EXIT_FAILURE } from "./exit.ts";

export function brokerCommand(): Command {
  const broker = new Command("broker").description("run a datacore broker");
  broker
    .command("start")
    .description("start a broker (defaults: one embedded node, file storage in ./data, port 9092)")
    .option("--config <file>", "TOML config file (overridden by DATACORE_* env and flags)")
    .option("--broker-id <id>", "node id of this broker")
    .option("--host <host>", "address to bind the Kafka listener to")
    .option("--broker-port <port>", "Kafka listener port")
    .option("--advertised-host <host>", "host advertised to clients")
    .option("--advertised-port <port>", "port advertised to clients")
    .addOption(
      new Option("--storage-engine <engine>", "log storage engine").choices(["memory", "file"]),
    )
    .option("--data-dir <dir>", "data directory")
    .addOption(
      new Option("--log-level <level>", "log verbosity").choices([
        "debug",
        "info",
        "warn",
        "error",
      ]),
    )
    .addOption(new Option("--log-format <format>", "log line format").choices(["text", "json"]))
    .option("--print-config", "print the effective config as TOML and exit")
    .action(async (options) => {
      const flags: Partial<Record<keyof BrokerConfig, unknown>> = {
        broker_id: options.brokerId,
        host: options.host,
        broker_port: options.brokerPort,
        advertised_host: options.advertisedHost,
        advertised_port: options.advertisedPort,
        storage_engine: options.storageEngine,
        data_dir: options.dataDir,
        log_level: options.logLevel,
        log_format: options.logFormat,
      };
      const config = await loadConfig({ configPath: options.config, env: process.env, flags });
      if (options.printConfig) {
        process.stdout.write(renderToml(config));
        return;
      }
      const logger = createLogger({
        level: config.log_level,
        format: config.log_format,
        write: (line) => process.stdout.write(line),
        nowMs: Date.now,
      });
      let running: RunningBroker;
      try {
        running = await startBroker(config, logger);
      } catch (err) {
        // A data dir we may not use, or a port already taken: say so plainly, exit 1.
        if (err instanceof DataDirError) throw new CliExit(EXIT_FAILURE, err.message);
        if ((err as NodeJS.ErrnoException).code === "EADDRINUSE") {
          throw new CliExit(EXIT_FAILURE, `port ${config.broker_port} is already in use`);
        }
        throw err;
      }
      await new Promise<void>((resolve) => {
        let stopping = false;
        const stop = (signal: string) => {
          if (stopping) return;
          stopping = true;
          logger.info("shutting down", { signal });
          running.stop().then(resolve, (err) => {
            logger.error("shutdown failed", { error: String(err) });
            process.exitCode = 1;
            resolve();
          });
        };
        process.on("SIGTERM", () => stop("SIGTERM"));
        process.on("SIGINT", () => stop("SIGINT"));
      });
    });
  return broker;
}
