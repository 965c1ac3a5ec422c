/**
 * The broker's configuration: one typed object, described by a table of keys so that
 * the TOML file, `DATACORE_*` environment variables and command-line flags all share
 * the same names, types, defaults and checks. Loading from those sources is the CLI's
 * job (`cli/config-sources.ts`); this module only knows what a valid config is.
 */

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFormat = "text" | "json";
export type StorageEngineName = "memory" | "file";

export interface BrokerConfig {
  broker_id: number;
  host: string;
  broker_port: number;
  advertised_host: string;
  advertised_port: number;
  cluster_id: string;
  data_dir: string;
  storage_engine: StorageEngineName;
  log_level: LogLevel;
  log_format: LogFormat;
  num_partitions: number;
  default_replication_factor: number;
  auto_create_topics_enable: boolean;
  socket_request_max_bytes: number;
  connections_max_idle_ms: number;
  max_connections: number;
  max_in_flight_requests_per_connection: number;
  message_max_bytes: number;
  segment_bytes: number;
  segment_ms: number;
  index_interval_bytes: number;
  retention_ms: number;
  retention_bytes: number;
  flush_messages: number;
  flush_ms: number;
  group_initial_rebalance_delay_ms: number;
  offsets_retention_minutes: number;
  offsets_topic_num_partitions: number;
  offset_metadata_max_bytes: number;
  group_min_session_timeout_ms: number;
  group_max_session_timeout_ms: number;
  group_max_size: number;
  group_consumer_heartbeat_interval_ms: number;
  group_consumer_session_timeout_ms: number;
  transaction_max_timeout_ms: number;
}

type KeySpec =
  | { type: "int"; min: number; max: number; doc: string }
  | { type: "string"; nonEmpty?: boolean; doc: string }
  | { type: "bool"; doc: string }
  | { type: "enum"; values: readonly string[]; doc: string };

const INT32_MAX = 2 ** 31 - 1;
/** Largest integer a JS number holds exactly; Kafka's `Long.MAX_VALUE` maps onto it. */
const LONG_MAX = Number.MAX_SAFE_INTEGER;

export const CONFIG_KEYS: { readonly [K in keyof BrokerConfig]: KeySpec } = {
  broker_id: { type: "int", min: 0, max: INT32_MAX, doc: "node id of this broker" },
  host: { type: "string", nonEmpty: true, doc: "address the Kafka listener binds to" },
  broker_port: { type: "int", min: 0, max: 65535, doc: "port of the Kafka listener" },
  advertised_host: {
    type: "string",
    doc: "host clients are told to connect to (empty: the bind host, or localhost for 0.0.0.0)",
  },
  advertised_port: {
    type: "int",
    min: 0,
    max: 65535,
    doc: "port clients are told to connect to (0: the listener port)",
  },
  cluster_id: {
    type: "string",
    doc: "cluster id for a new data dir (empty: generated and persisted in meta.properties)",
  },
  data_dir: { type: "string", nonEmpty: true, doc: "directory holding logs and metadata" },
  storage_engine: { type: "enum", values: ["memory", "file"], doc: "log storage engine" },
  log_level: { type: "enum", values: ["debug", "info", "warn", "error"], doc: "log verbosity" },
  log_format: { type: "enum", values: ["text", "json"], doc: "log line format on stdout" },
  num_partitions: { type: "int", min: 1, max: 100_000, doc: "partitions of auto-created topics" },
  default_replication_factor: {
    type: "int",
    min: 1,
    max: 32767,
    doc: "replication factor of auto-created topics",
  },
  auto_create_topics_enable: { type: "bool", doc: "create unknown topics on metadata requests" },
  socket_request_max_bytes: {
    type: "int",
    min: 1024,
    max: INT32_MAX,
    doc: "largest request frame accepted",
  },
  connections_max_idle_ms: {
    type: "int",
    min: 0,
    max: LONG_MAX,
    doc: "close connections idle this long",
  },
  max_connections: { type: "int", min: 1, max: INT32_MAX, doc: "connections accepted at once" },
  max_in_flight_requests_per_connection: {
    type: "int",
    min: 1,
    max: 10_000,
    doc: "requests read ahead of their responses on one connection",
  },
  message_max_bytes: {
    type: "int",
    min: 0,
    max: INT32_MAX,
    doc: "largest record batch accepted (topic override: max.message.bytes)",
  },
  segment_bytes: { type: "int", min: 14, max: INT32_MAX, doc: "roll a segment at this size" },
  segment_ms: { type: "int", min: 1, max: LONG_MAX, doc: "roll a segment after this age" },
  index_interval_bytes: {
    type: "int",
    min: 0,
    max: INT32_MAX,
    doc: "bytes between sparse index entries",
  },
  retention_ms: { type: "int", min: -1, max: LONG_MAX, doc: "delete segments older than this" },
  retention_bytes: {
    type: "int",
    min: -1,
    max: LONG_MAX,
    doc: "delete old segments past this size",
  },
  flush_messages: {
    type: "int",
    min: 1,
    max: LONG_MAX,
    doc: "fsync after this many messages (max: leave it to flush_ms and acks=all)",
  },
  flush_ms: { type: "int", min: 0, max: LONG_MAX, doc: "fsync at least this often" },
  group_initial_rebalance_delay_ms: {
    type: "int",
    min: 0,
    max: INT32_MAX,
    doc: "wait for more members before the first rebalance of an empty group",
  },
  offsets_retention_minutes: {
    type: "int",
    min: 1,
    max: INT32_MAX,
    doc: "keep committed offsets of empty groups this long",
  },
  offsets_topic_num_partitions: {
    type: "int",
    min: 1,
    max: 1000,
    doc: "partitions of __consumer_offsets when it is created (groups hash onto them like Kafka; fixed afterwards)",
  },
  offset_metadata_max_bytes: {
    type: "int",
    min: 0,
    max: INT32_MAX,
    doc: "largest metadata string an offset commit may carry",
  },
  group_min_session_timeout_ms: {
    type: "int",
    min: 0,
    max: INT32_MAX,
    doc: "smallest session.timeout.ms a classic group member may ask for",
  },
  group_max_session_timeout_ms: {
    type: "int",
    min: 0,
    max: INT32_MAX,
    doc: "largest session.timeout.ms a classic group member may ask for",
  },
  group_max_size: { type: "int", min: 1, max: INT32_MAX, doc: "members allowed in one group" },
  group_consumer_heartbeat_interval_ms: {
    type: "int",
    min: 1,
    max: INT32_MAX,
    doc: "heartbeat interval given to KIP-848 consumer group members",
  },
  group_consumer_session_timeout_ms: {
    type: "int",
    min: 1,
    max: INT32_MAX,
    doc: "KIP-848 consumer group members are fenced after this long without a heartbeat",
  },
  transaction_max_timeout_ms: {
    type: "int",
    min: 1,
    max: INT32_MAX,
    doc: "largest transaction.timeout.ms a producer may ask for",
  },
};

export const DEFAULT_CONFIG: Readonly<BrokerConfig> = {
  broker_id: 1,
  host: "0.0.0.0",
  broker_port: 9092,
  advertised_host: "",
  advertised_port: 0,
  cluster_id: "",
  data_dir: "./data",
  storage_engine: "file",
  log_level: "info",
  log_format: "text",
  num_partitions: 1,
  default_replication_factor: 1,
  auto_create_topics_enable: true,
  socket_request_max_bytes: 100 * 1024 * 1024,
  connections_max_idle_ms: 600_000,
  max_connections: 10_000,
  max_in_flight_requests_per_connection: 1000,
  message_max_bytes: 1_048_588,
  segment_bytes: 1024 * 1024 * 1024,
  segment_ms: 7 * 24 * 3600 * 1000,
  index_interval_bytes: 4096,
  retention_ms: 7 * 24 * 3600 * 1000,
  retention_bytes: -1,
  flush_messages: LONG_MAX,
  flush_ms: LONG_MAX,
  group_initial_rebalance_delay_ms: 3000,
  offsets_retention_minutes: 10080,
  offsets_topic_num_partitions: 50,
  offset_metadata_max_bytes: 4096,
  group_min_session_timeout_ms: 6000,
  group_max_session_timeout_ms: 1_800_000,
  group_max_size: INT32_MAX,
  group_consumer_heartbeat_interval_ms: 5000,
  group_consumer_session_timeout_ms: 45_000,
  transaction_max_timeout_ms: 900_000,
};

/** A config value could not be accepted; `key` names it as the user wrote it. */
export class ConfigError extends Error {
  constructor(
    readonly key: string,
    readonly reason: string,
    readonly source: string,
  ) {
    super(`config error: ${key} (${source}): ${reason}`);
    this.name = "ConfigError";
  }
}

export function isConfigKey(key: string): key is keyof BrokerConfig {
  return Object.hasOwn(CONFIG_KEYS, key);
}

/**
 * Checks one raw value against its key. Strings are accepted for every type because
 * environment variables and flags arrive as text; TOML values arrive typed.
 */
export function parseConfigValue(
  key: keyof BrokerConfig,
  raw: unknown,
  source: string,
): BrokerConfig[keyof BrokerConfig] {
  const spec = CONFIG_KEYS[key];
  const fail = (reason: string): never => {
    throw new ConfigError(key, reason, source);
  };
  switch (spec.type) {
    case "int": {
      let n: number;
      if (typeof raw === "number" || typeof raw === "bigint") n = Number(raw);
      else if (typeof raw === "string" && /^-?\d+$/.test(raw.trim())) n = Number(raw.trim());
      else return fail(`expected an integer, got ${describe(raw)}`);
      if (!Number.isSafeInteger(n)) return fail(`expected an integer, got ${describe(raw)}`);
      if (n < spec.min || n > spec.max) {
        return fail(`${n} is out of range ${spec.min}..${spec.max}`);
      }
      return n;
    }
    case "bool": {
      if (typeof raw === "boolean") return raw;
      if (raw === "true" || raw === "1") return true;
      if (raw === "false" || raw === "0") return false;
      return fail(`expected true or false, got ${describe(raw)}`);
    }
    case "string": {
      if (typeof raw !== "string") return fail(`expected a string, got ${describe(raw)}`);
      if (spec.nonEmpty && raw.length === 0) return fail("must not be empty");
      return raw;
    }
    case "enum": {
      if (typeof raw !== "string" || !spec.values.includes(raw)) {
        return fail(`expected one of ${spec.values.join(", ")}, got ${describe(raw)}`);
      }
      return raw as BrokerConfig[keyof BrokerConfig];
    }
  }
}

function describe(raw: unknown): string {
  if (typeof raw === "string") return JSON.stringify(raw);
  if (raw === null) return "null";
  if (Array.isArray(raw)) return "an array";
  if (typeof raw === "object") return "a table";
  return `${typeof raw} ${String(raw)}`;
}

/** One layer of settings (file, environment, flags) applied over the previous ones. */
export interface ConfigLayer {
  source: string;
  values: Record<string, unknown>;
  /** How this source spells a key, for error messages (`--broker-port`, `DATACORE_…`). */
  spell?: (key: string) => string;
}

/** Applies layers in order over the defaults; unknown keys and bad values throw. */
export function resolveConfig(layers: readonly ConfigLayer[]): BrokerConfig {
  const config: BrokerConfig = { ...DEFAULT_CONFIG };
  const target = config as unknown as Record<string, unknown>;
  for (const layer of layers) {
    for (const [key, raw] of Object.entries(layer.values)) {
      if (raw === undefined) continue;
      const spelled = layer.spell ? layer.spell(key) : key;
      if (!isConfigKey(key)) throw new ConfigError(spelled, "unknown key", layer.source);
      try {
        target[key] = parseConfigValue(key, raw, layer.source);
      } catch (err) {
        if (err instanceof ConfigError) throw new ConfigError(spelled, err.reason, layer.source);
        throw err;
      }
    }
  }
  return config;
}
