/**
 * Shared plumbing of the commands that talk to a cluster: `--brokers` (env
 * DATACORE_BROKERS, default localhost:9092) and `--format`, one client per invocation,
 * and the mapping of failures to exit codes — a Kafka error code or an unreachable broker
 * is exit 1 with the Kafka error name first; a bad argument is exit 2.
 */
import { Option } from "@commander-js/extra-typings";
import { ClientError, KafkaClient, KafkaError } from "../client/index.ts";
import { CliExit, EXIT_FAILURE, EXIT_USAGE } from "./exit.ts";

export const DEFAULT_BROKERS = "localhost:9092";

export interface CommonOptions {
  brokers?: string;
  format: "text" | "json";
}

export function brokersOption(): Option<"--brokers <list>", undefined, undefined, string> {
  return new Option(
    "--brokers <list>",
    "comma-separated host:port list (env DATACORE_BROKERS)",
  ) as Option<"--brokers <list>", undefined, undefined, string>;
}

export function brokerList(opts: { brokers?: string | undefined }): string {
  return opts.brokers ?? process.env.DATACORE_BROKERS ?? DEFAULT_BROKERS;
}

/** Runs `fn` with a client, closing it afterwards and turning failures into CliExit. */
export async function withClient<T>(
  opts: { brokers?: string | undefined },
  fn: (client: KafkaClient) => Promise<T>,
  clientOpts: { requestTimeoutMs?: number; connectTimeoutMs?: number; retries?: number } = {},
): Promise<T> {
  let client: KafkaClient;
  try {
    client = new KafkaClient({
      brokers: brokerList(opts),
      clientId: "datacore-cli",
      requestTimeoutMs: clientOpts.requestTimeoutMs ?? 15_000,
      connectTimeoutMs: clientOpts.connectTimeoutMs ?? 5_000,
      retries: clientOpts.retries ?? 3,
    });
  } catch (err) {
    throw toCliExit(err);
  }
  try {
    return await fn(client);
  } catch (err) {
    throw toCliExit(err);
  } finally {
    await client.close().catch(() => {});
  }
}

export function toCliExit(err: unknown): unknown {
  if (err instanceof CliExit) return err;
  if (err instanceof KafkaError)
    return new CliExit(EXIT_FAILURE, `${err.errorName}: ${err.message}`);
  if (err instanceof ClientError) {
    if (err.code === "invalid_argument") return new CliExit(EXIT_USAGE, err.message);
    const label =
      err.code === "connection"
        ? "BROKER_UNREACHABLE"
        : err.code === "timeout"
          ? "REQUEST_TIMED_OUT"
          : err.code === "unsupported"
            ? "UNSUPPORTED_VERSION"
            : "CLIENT_ERROR";
    return new CliExit(EXIT_FAILURE, `${label}: ${err.message}`);
  }
  return err;
}

/** JSON shape of a per-item error in command output. */
export function errorJson(
  err: KafkaError | null,
): { code: number; name: string; message: string } | null {
  return err ? { code: err.errorCode, name: err.errorName, message: err.message } : null;
}

/**
 * Commander copies exitOverride and error display only to commands made with `.command()`,
 * not to ones attached with `addCommand`; without this a bad flag on a subcommand would
 * exit 1 from inside commander instead of reaching main.ts, which maps it to exit 2.
 */
export function usageErrorsExit2<
  C extends {
    commands: readonly unknown[];
    exitOverride(): unknown;
    showHelpAfterError(): unknown;
  },
>(cmd: C): C {
  cmd.exitOverride();
  cmd.showHelpAfterError();
  for (const sub of cmd.commands) usageErrorsExit2(sub as C);
  return cmd;
}
