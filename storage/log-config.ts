/**
 * Per-topic log configuration under Kafka's topic config names (`segment.bytes`, …).
 * Topic overrides are strings, as CreateTopics/AlterConfigs carry them and the metadata
 * store keeps them; `resolveLogConfig` layers them over the broker's defaults into the
 * typed LogConfig every engine reads. Unknown names are rejected like Kafka's
 * INVALID_CONFIG; names that matter only to the broker are validated and kept.
 */
import { StorageError } from "./errors.ts";

export interface CleanupPolicy {
  delete: boolean;
  compact: boolean;
}

export type TimestampTypeName = "CreateTime" | "LogAppendTime";

export interface LogConfig {
  segmentBytes: number;
  segmentMs: number;
  indexIntervalBytes: number;
  /** -1: keep forever. */
  retentionMs: number;
  /** -1: no size limit. */
  retentionBytes: number;
  cleanupPolicy: CleanupPolicy;
  deleteRetentionMs: number;
  minCleanableDirtyRatio: number;
  minCompactionLagMs: number;
  /** Sync after this many messages since the last sync (Number.MAX_SAFE_INTEGER: never). */
  flushMessages: number;
  /** Sync when the last sync is this old (Number.MAX_SAFE_INTEGER: never). */
  flushMs: number;
  maxMessageBytes: number;
  messageTimestampType: TimestampTypeName;
}

const LONG_MAX = Number.MAX_SAFE_INTEGER;
const INT_MAX = 2 ** 31 - 1;

export const KAFKA_LOG_DEFAULTS: Readonly<LogConfig> = {
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * 24 * 3600 * 1000,
  indexIntervalBytes: 4096,
  retentionMs: 7 * 24 * 3600 * 1000,
  retentionBytes: -1,
  cleanupPolicy: { delete: true, compact: false },
  deleteRetentionMs: 24 * 3600 * 1000,
  minCleanableDirtyRatio: 0.5,
  minCompactionLagMs: 0,
  flushMessages: LONG_MAX,
  flushMs: LONG_MAX,
  maxMessageBytes: 1_048_588,
  messageTimestampType: "CreateTime",
};

/**
 * The broker config keys (snake_case, as in broker/config.ts) that seed log defaults.
 * Structural, so the broker passes its BrokerConfig without storage importing it.
 */
export interface BrokerLogSettings {
  segment_bytes: number;
  segment_ms: number;
  index_interval_bytes: number;
  retention_ms: number;
  retention_bytes: number;
  flush_messages: number;
  flush_ms: number;
  message_max_bytes: number;
}

export function logDefaultsFromBroker(settings: BrokerLogSettings): LogConfig {
  return {
    ...KAFKA_LOG_DEFAULTS,
    segmentBytes: settings.segment_bytes,
    segmentMs: settings.segment_ms,
    indexIntervalBytes: settings.index_interval_bytes,
    retentionMs: settings.retention_ms,
    retentionBytes: settings.retention_bytes,
    flushMessages: settings.flush_messages,
    flushMs: settings.flush_ms,
    maxMessageBytes: settings.message_max_bytes,
  };
}

type Apply = (config: LogConfig, raw: string) => void;

function intKey(min: number, max: number, set: (c: LogConfig, v: number) => void): Apply {
  return (config, raw) => {
    const trimmed = raw.trim();
    if (!/^-?\d+$/.test(trimmed)) throw bad(`expected an integer, got ${JSON.stringify(raw)}`);
    const n = Number(trimmed);
    // Kafka's Long.MAX_VALUE ("9223372036854775807") means "never": clamp to our max.
    const v = Number.isSafeInteger(n) ? n : n > 0 ? LONG_MAX : Number.NaN;
    if (Number.isNaN(v) || v < min || v > max) throw bad(`${trimmed} is out of range`);
    set(config, v);
  };
}

function checked(validate: (raw: string) => boolean, what: string): Apply {
  return (_config, raw) => {
    if (!validate(raw)) throw bad(`expected ${what}, got ${JSON.stringify(raw)}`);
  };
}

class ConfigValueError extends Error {}
function bad(message: string): ConfigValueError {
  return new ConfigValueError(message);
}

const isInt = (raw: string) => /^-?\d+$/.test(raw.trim());
const isBool = (raw: string) => raw === "true" || raw === "false";
const anyString = () => true;

/** Every topic config Kafka accepts, with how it affects LogConfig (if at all). */
export const TOPIC_CONFIG_KEYS: Readonly<Record<string, Apply>> = {
  "segment.bytes": intKey(14, INT_MAX, (c, v) => {
    c.segmentBytes = v;
  }),
  "segment.ms": intKey(1, LONG_MAX, (c, v) => {
    c.segmentMs = v;
  }),
  "index.interval.bytes": intKey(0, INT_MAX, (c, v) => {
    c.indexIntervalBytes = v;
  }),
  "retention.ms": intKey(-1, LONG_MAX, (c, v) => {
    c.retentionMs = v;
  }),
  "retention.bytes": intKey(-1, LONG_MAX, (c, v) => {
    c.retentionBytes = v;
  }),
  "delete.retention.ms": intKey(0, LONG_MAX, (c, v) => {
    c.deleteRetentionMs = v;
  }),
  "min.compaction.lag.ms": intKey(0, LONG_MAX, (c, v) => {
    c.minCompactionLagMs = v;
  }),
  "flush.messages": intKey(1, LONG_MAX, (c, v) => {
    c.flushMessages = v;
  }),
  "flush.ms": intKey(0, LONG_MAX, (c, v) => {
    c.flushMs = v;
  }),
  "max.message.bytes": intKey(0, INT_MAX, (c, v) => {
    c.maxMessageBytes = v;
  }),
  "cleanup.policy": (c, raw) => {
    const parts = raw
      .split(",")
      .map((p) => p.trim())
      .filter((p) => p.length > 0);
    if (parts.length === 0 || parts.some((p) => p !== "delete" && p !== "compact")) {
      throw bad(`expected delete, compact or compact,delete, got ${JSON.stringify(raw)}`);
    }
    c.cleanupPolicy = { delete: parts.includes("delete"), compact: parts.includes("compact") };
  },
  "min.cleanable.dirty.ratio": (c, raw) => {
    const v = Number(raw.trim());
    if (raw.trim() === "" || !Number.isFinite(v) || v < 0 || v > 1) {
      throw bad(`expected a number in [0, 1], got ${JSON.stringify(raw)}`);
    }
    c.minCleanableDirtyRatio = v;
  },
  "message.timestamp.type": (c, raw) => {
    if (raw !== "CreateTime" && raw !== "LogAppendTime") {
      throw bad(`expected CreateTime or LogAppendTime, got ${JSON.stringify(raw)}`);
    }
    c.messageTimestampType = raw;
  },
  // Accepted and stored; the broker (or a later engine) gives them meaning.
  "compression.type": checked(
    (raw) => ["uncompressed", "gzip", "snappy", "lz4", "zstd", "producer"].includes(raw),
    "a compression type",
  ),
  "min.insync.replicas": checked(isInt, "an integer"),
  "unclean.leader.election.enable": checked(isBool, "true or false"),
  "message.timestamp.difference.max.ms": checked(isInt, "an integer"),
  "message.timestamp.before.max.ms": checked(isInt, "an integer"),
  "message.timestamp.after.max.ms": checked(isInt, "an integer"),
  "message.downconversion.enable": checked(isBool, "true or false"),
  "max.compaction.lag.ms": checked(isInt, "an integer"),
  "file.delete.delay.ms": checked(isInt, "an integer"),
  "segment.index.bytes": checked(isInt, "an integer"),
  "segment.jitter.ms": checked(isInt, "an integer"),
  preallocate: checked(isBool, "true or false"),
  "local.retention.ms": checked(isInt, "an integer"),
  "local.retention.bytes": checked(isInt, "an integer"),
  "remote.storage.enable": checked(isBool, "true or false"),
  "follower.replication.throttled.replicas": checked(anyString, "a replica list"),
  "leader.replication.throttled.replicas": checked(anyString, "a replica list"),
  "message.format.version": checked(anyString, "a version"),
};

export function isTopicConfigKey(name: string): boolean {
  return Object.hasOwn(TOPIC_CONFIG_KEYS, name);
}

/**
 * Layers topic overrides over `defaults`. Throws StorageError("invalid_config") naming the
 * first bad key, so CreateTopics/AlterConfigs can answer INVALID_CONFIG with the reason.
 */
export function resolveLogConfig(
  defaults: Readonly<LogConfig>,
  overrides: Readonly<Record<string, string>>,
): LogConfig {
  const config: LogConfig = { ...defaults, cleanupPolicy: { ...defaults.cleanupPolicy } };
  for (const [name, raw] of Object.entries(overrides)) {
    const apply = TOPIC_CONFIG_KEYS[name];
    if (apply === undefined) {
      throw new StorageError("invalid_config", `unknown topic config ${name}`);
    }
    try {
      apply(config, raw);
    } catch (err) {
      if (err instanceof ConfigValueError) {
        throw new StorageError("invalid_config", `invalid value for ${name}: ${err.message}`);
      }
      throw err;
    }
  }
  return config;
}

/** Checks overrides without building a config; returns the reason or null. */
export function validateTopicConfigs(overrides: Readonly<Record<string, string>>): string | null {
  try {
    resolveLogConfig(KAFKA_LOG_DEFAULTS, overrides);
    return null;
  } catch (err) {
    if (err instanceof StorageError) return err.message;
    throw err;
  }
}
