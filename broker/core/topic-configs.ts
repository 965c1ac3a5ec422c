/**
 * Topic-level configs: the ones we know, their types, defaults and the broker setting
 * each falls back to (its "synonym" in DescribeConfigs). A topic stores only the keys set
 * on it; everything else resolves through the broker config, then the Kafka default.
 */
import type { BrokerConfig } from "../config.ts";

/** DescribeConfigs' configType enum (KIP-569). */
export const ConfigType = {
  boolean: 1,
  string: 2,
  int: 3,
  short: 4,
  long: 5,
  double: 6,
  list: 7,
  class: 8,
  password: 9,
} as const;
export type ConfigTypeName = keyof typeof ConfigType;

/** DescribeConfigs' configSource enum. */
export const ConfigSource = {
  unknown: 0,
  dynamicTopic: 1,
  dynamicBroker: 2,
  dynamicDefaultBroker: 3,
  staticBroker: 4,
  default: 5,
} as const;

export interface TopicConfigDef {
  type: ConfigTypeName;
  /** Kafka's built-in default, as text. */
  default: string;
  /** The broker-level setting this falls back to (Kafka's name), if any. */
  brokerSynonym?: string;
  /** Where our BrokerConfig holds that broker setting, if we have it. */
  fromBroker?: (config: BrokerConfig) => string;
  doc: string;
}

const LONG_MAX = "9223372036854775807";
const longOf = (n: number) => (n >= Number.MAX_SAFE_INTEGER ? LONG_MAX : String(n));

export const TOPIC_CONFIGS: Readonly<Record<string, TopicConfigDef>> = {
  "cleanup.policy": {
    type: "list",
    default: "delete",
    brokerSynonym: "log.cleanup.policy",
    doc: "delete old segments, compact by key, or both",
  },
  "compression.type": {
    type: "string",
    default: "producer",
    brokerSynonym: "compression.type",
    doc: "codec of stored batches; producer keeps what the producer sent",
  },
  "delete.retention.ms": {
    type: "long",
    default: "86400000",
    brokerSynonym: "log.cleaner.delete.retention.ms",
    doc: "how long tombstones survive compaction",
  },
  "file.delete.delay.ms": {
    type: "long",
    default: "60000",
    brokerSynonym: "log.segment.delete.delay.ms",
    doc: "wait before deleting a segment file",
  },
  "flush.messages": {
    type: "long",
    default: LONG_MAX,
    brokerSynonym: "log.flush.interval.messages",
    fromBroker: (c) => longOf(c.flush_messages),
    doc: "fsync after this many messages",
  },
  "flush.ms": {
    type: "long",
    default: LONG_MAX,
    brokerSynonym: "log.flush.interval.ms",
    fromBroker: (c) => longOf(c.flush_ms),
    doc: "fsync at least this often",
  },
  "index.interval.bytes": {
    type: "int",
    default: "4096",
    brokerSynonym: "log.index.interval.bytes",
    fromBroker: (c) => String(c.index_interval_bytes),
    doc: "bytes between offset index entries",
  },
  "max.compaction.lag.ms": {
    type: "long",
    default: LONG_MAX,
    brokerSynonym: "log.cleaner.max.compaction.lag.ms",
    doc: "longest a record stays uncompacted",
  },
  "max.message.bytes": {
    type: "int",
    default: "1048588",
    brokerSynonym: "message.max.bytes",
    fromBroker: (c) => String(c.message_max_bytes),
    doc: "largest record batch accepted",
  },
  "message.downconversion.enable": {
    type: "boolean",
    default: "true",
    brokerSynonym: "log.message.downconversion.enable",
    doc: "down-convert batches for old fetch versions",
  },
  "message.timestamp.type": {
    type: "string",
    default: "CreateTime",
    brokerSynonym: "log.message.timestamp.type",
    doc: "CreateTime keeps the producer's timestamp, LogAppendTime stamps the broker's",
  },
  "message.timestamp.difference.max.ms": {
    type: "long",
    default: LONG_MAX,
    brokerSynonym: "log.message.timestamp.difference.max.ms",
    doc: "largest allowed distance between a CreateTime timestamp and the broker clock",
  },
  "message.timestamp.before.max.ms": {
    type: "long",
    default: LONG_MAX,
    brokerSynonym: "log.message.timestamp.before.max.ms",
    doc: "largest allowed age of a CreateTime timestamp",
  },
  "message.timestamp.after.max.ms": {
    type: "long",
    default: LONG_MAX,
    brokerSynonym: "log.message.timestamp.after.max.ms",
    doc: "largest allowed lead of a CreateTime timestamp",
  },
  "min.cleanable.dirty.ratio": {
    type: "double",
    default: "0.5",
    brokerSynonym: "log.cleaner.min.cleanable.ratio",
    doc: "dirty share that triggers compaction",
  },
  "min.compaction.lag.ms": {
    type: "long",
    default: "0",
    brokerSynonym: "log.cleaner.min.compaction.lag.ms",
    doc: "shortest a record stays uncompacted",
  },
  "min.insync.replicas": {
    type: "int",
    default: "1",
    brokerSynonym: "min.insync.replicas",
    doc: "replicas that must acknowledge an acks=all write",
  },
  preallocate: {
    type: "boolean",
    default: "false",
    brokerSynonym: "log.preallocate",
    doc: "preallocate segment files",
  },
  "retention.bytes": {
    type: "long",
    default: "-1",
    brokerSynonym: "log.retention.bytes",
    fromBroker: (c) => longOf(c.retention_bytes),
    doc: "delete old segments past this partition size (-1: no limit)",
  },
  "retention.ms": {
    type: "long",
    default: "604800000",
    brokerSynonym: "log.retention.ms",
    fromBroker: (c) => longOf(c.retention_ms),
    doc: "delete segments older than this (-1: keep forever)",
  },
  "segment.bytes": {
    type: "int",
    default: "1073741824",
    brokerSynonym: "log.segment.bytes",
    fromBroker: (c) => String(c.segment_bytes),
    doc: "roll a segment at this size",
  },
  "segment.index.bytes": {
    type: "int",
    default: "10485760",
    brokerSynonym: "log.index.size.max.bytes",
    doc: "size of a segment's offset index",
  },
  "segment.jitter.ms": {
    type: "long",
    default: "0",
    brokerSynonym: "log.roll.jitter.ms",
    doc: "random jitter subtracted from segment.ms",
  },
  "segment.ms": {
    type: "long",
    default: "604800000",
    brokerSynonym: "log.roll.ms",
    fromBroker: (c) => longOf(c.segment_ms),
    doc: "roll a segment after this age",
  },
  "unclean.leader.election.enable": {
    type: "boolean",
    default: "false",
    brokerSynonym: "unclean.leader.election.enable",
    doc: "allow an out-of-sync replica to become leader",
  },
};

export interface ResolvedConfig {
  name: string;
  value: string;
  source: number;
  type: ConfigTypeName;
  doc: string;
  /** Most specific first, as DescribeConfigs lists them. */
  synonyms: { name: string; value: string; source: number }[];
}

/** Every topic config with its effective value, source and synonym chain. */
export function resolveTopicConfigs(
  overrides: ReadonlyMap<string, string>,
  broker: BrokerConfig,
): ResolvedConfig[] {
  const out: ResolvedConfig[] = [];
  for (const [name, def] of Object.entries(TOPIC_CONFIGS)) {
    const synonyms: ResolvedConfig["synonyms"] = [];
    const own = overrides.get(name);
    if (own !== undefined) synonyms.push({ name, value: own, source: ConfigSource.dynamicTopic });
    const brokerValue = def.fromBroker?.(broker);
    if (def.brokerSynonym && brokerValue !== undefined && brokerValue !== def.default) {
      synonyms.push({
        name: def.brokerSynonym,
        value: brokerValue,
        source: ConfigSource.staticBroker,
      });
    }
    if (def.brokerSynonym) {
      synonyms.push({ name: def.brokerSynonym, value: def.default, source: ConfigSource.default });
    }
    const first = synonyms[0] ?? { value: def.default, source: ConfigSource.default };
    out.push({
      name,
      value: first.value,
      source: first.source,
      type: def.type,
      doc: def.doc,
      synonyms,
    });
  }
  return out;
}

/** The effective value of one topic config. */
export function topicConfigValue(
  name: string,
  overrides: ReadonlyMap<string, string>,
  broker: BrokerConfig,
): string {
  const own = overrides.get(name);
  if (own !== undefined) return own;
  const def = TOPIC_CONFIGS[name];
  // Configs we only store (throttled replica lists, …) default to empty.
  if (!def) return "";
  return def.fromBroker?.(broker) ?? def.default;
}
