/**
 * Config resources for DescribeConfigs / AlterConfigs / IncrementalAlterConfigs: the
 * resource types, the broker's own (static) settings under Kafka's names, and applying
 * incremental operations to a topic's overrides.
 */
import type { BrokerConfig } from "../config.ts";
import { TOPIC_CONFIGS } from "./topic-configs.ts";

export const ResourceType = { topic: 2, broker: 4, brokerLogger: 8 } as const;

/** IncrementalAlterConfigs operations. */
export const ConfigOp = { set: 0, delete: 1, append: 2, subtract: 3 } as const;

export interface BrokerConfigEntry {
  name: string;
  value: string;
  /** Kafka's default, to report DEFAULT_CONFIG vs STATIC_BROKER_CONFIG. */
  kafkaDefault: string;
  type: "boolean" | "string" | "int" | "long" | "list";
  doc: string;
}

const LONG_MAX = "9223372036854775807";
const long = (n: number) => (n >= Number.MAX_SAFE_INTEGER ? LONG_MAX : String(n));

/** This broker's settings as Kafka names them; all static (read-only) here. */
export function brokerConfigEntries(
  c: BrokerConfig,
  advertised: { host: string; port: number },
): BrokerConfigEntry[] {
  return [
    {
      name: "node.id",
      value: String(c.broker_id),
      kafkaDefault: "-1",
      type: "int",
      doc: "node id",
    },
    {
      name: "broker.id",
      value: String(c.broker_id),
      kafkaDefault: "-1",
      type: "int",
      doc: "node id",
    },
    {
      name: "listeners",
      value: `PLAINTEXT://${c.host}:${c.broker_port}`,
      kafkaDefault: "PLAINTEXT://:9092",
      type: "string",
      doc: "listener",
    },
    {
      name: "advertised.listeners",
      value: `PLAINTEXT://${advertised.host}:${advertised.port}`,
      kafkaDefault: "",
      type: "string",
      doc: "address told to clients",
    },
    {
      name: "log.dirs",
      value: c.data_dir,
      kafkaDefault: "/tmp/kafka-logs",
      type: "string",
      doc: "data directory",
    },
    {
      name: "num.partitions",
      value: String(c.num_partitions),
      kafkaDefault: "1",
      type: "int",
      doc: "partitions of auto-created topics",
    },
    {
      name: "default.replication.factor",
      value: String(c.default_replication_factor),
      kafkaDefault: "1",
      type: "int",
      doc: "replication factor of auto-created topics",
    },
    {
      name: "auto.create.topics.enable",
      value: String(c.auto_create_topics_enable),
      kafkaDefault: "true",
      type: "boolean",
      doc: "create topics on metadata requests",
    },
    {
      name: "socket.request.max.bytes",
      value: String(c.socket_request_max_bytes),
      kafkaDefault: "104857600",
      type: "int",
      doc: "largest request",
    },
    {
      name: "connections.max.idle.ms",
      value: long(c.connections_max_idle_ms),
      kafkaDefault: "600000",
      type: "long",
      doc: "idle connection timeout",
    },
    {
      name: "max.connections",
      value: String(c.max_connections),
      kafkaDefault: "2147483647",
      type: "int",
      doc: "connection limit",
    },
    {
      name: "message.max.bytes",
      value: String(c.message_max_bytes),
      kafkaDefault: "1048588",
      type: "int",
      doc: "largest record batch",
    },
    {
      name: "log.segment.bytes",
      value: String(c.segment_bytes),
      kafkaDefault: "1073741824",
      type: "int",
      doc: "segment size",
    },
    {
      name: "log.roll.ms",
      value: long(c.segment_ms),
      kafkaDefault: "604800000",
      type: "long",
      doc: "segment age",
    },
    {
      name: "log.index.interval.bytes",
      value: String(c.index_interval_bytes),
      kafkaDefault: "4096",
      type: "int",
      doc: "index interval",
    },
    {
      name: "log.retention.ms",
      value: long(c.retention_ms),
      kafkaDefault: "604800000",
      type: "long",
      doc: "retention time",
    },
    {
      name: "log.retention.bytes",
      value: long(c.retention_bytes),
      kafkaDefault: "-1",
      type: "long",
      doc: "retention size",
    },
    {
      name: "log.flush.interval.messages",
      value: long(c.flush_messages),
      kafkaDefault: LONG_MAX,
      type: "long",
      doc: "fsync interval in messages",
    },
    {
      name: "log.flush.interval.ms",
      value: long(c.flush_ms),
      kafkaDefault: LONG_MAX,
      type: "long",
      doc: "fsync interval",
    },
    {
      name: "group.initial.rebalance.delay.ms",
      value: String(c.group_initial_rebalance_delay_ms),
      kafkaDefault: "3000",
      type: "int",
      doc: "first rebalance delay",
    },
    {
      name: "offsets.retention.minutes",
      value: String(c.offsets_retention_minutes),
      kafkaDefault: "10080",
      type: "int",
      doc: "committed offset retention",
    },
    {
      name: "transaction.max.timeout.ms",
      value: String(c.transaction_max_timeout_ms),
      kafkaDefault: "900000",
      type: "int",
      doc: "largest transaction timeout",
    },
  ];
}

/** Config names whose values are comma-separated lists (APPEND/SUBTRACT apply). */
function isListConfig(name: string): boolean {
  return (
    TOPIC_CONFIGS[name]?.type === "list" ||
    name === "follower.replication.throttled.replicas" ||
    name === "leader.replication.throttled.replicas"
  );
}

export type IncrementalResult =
  | { ok: true; overrides: Record<string, string> }
  | { ok: false; message: string };

/**
 * Applies IncrementalAlterConfigs operations to a topic's overrides (KIP-339). APPEND and
 * SUBTRACT start from the current value, the default when not overridden, as Kafka does.
 */
export function applyIncremental(
  current: Readonly<Record<string, string>>,
  ops: readonly { name: string; configOperation: number; value: string | null }[],
  effective: (name: string) => string,
): IncrementalResult {
  const next: Record<string, string> = { ...current };
  const seen = new Set<string>();
  for (const op of ops) {
    if (seen.has(op.name)) return { ok: false, message: `${op.name} appears twice` };
    seen.add(op.name);
    switch (op.configOperation) {
      case ConfigOp.set:
        if (op.value === null) return { ok: false, message: `SET ${op.name} needs a value` };
        next[op.name] = op.value;
        break;
      case ConfigOp.delete:
        delete next[op.name];
        break;
      case ConfigOp.append:
      case ConfigOp.subtract: {
        if (!isListConfig(op.name)) {
          return { ok: false, message: `${op.name} is not a list; APPEND and SUBTRACT need one` };
        }
        const items = splitList(next[op.name] ?? effective(op.name));
        const change = splitList(op.value ?? "");
        const result =
          op.configOperation === ConfigOp.append
            ? [...items, ...change.filter((v) => !items.includes(v))]
            : items.filter((v) => !change.includes(v));
        next[op.name] = result.join(",");
        break;
      }
      default:
        return { ok: false, message: `unknown config operation ${op.configOperation}` };
    }
  }
  return { ok: true, overrides: next };
}

function splitList(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}
