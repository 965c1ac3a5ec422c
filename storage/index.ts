/**
 * storage/ — the plugin boundary between the broker core and where bytes live.
 * Importable by broker/ and sim/; imports only protocol/records and protocol/compression
 * (batch views, keys for compaction). See README.md.
 */

export { validateRecordsForTopic } from "./compacted-validation.ts";
export type {
  AbortedTransaction,
  AppendOptions,
  AppendResult,
  ClusterIdentity,
  CompactionResult,
  Durability,
  EpochEndOffset,
  EpochEntry,
  MetadataStore,
  OpenLogOptions,
  PartitionLog,
  ProducerSnapshot,
  ReadOptions,
  ReadResult,
  RetentionResult,
  StorageEngine,
  StorageEngineKind,
  TimestampLookup,
  TopicMetadata,
  TopicPartitionRef,
} from "./engine.ts";
export { isStorageError, kafkaErrorCodeOf, StorageError, type StorageErrorCode } from "./errors.ts";
export { newKafkaId } from "./ids.ts";
export { UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET } from "./leader-epoch-cache.ts";
export {
  type BrokerLogSettings,
  type CleanupPolicy,
  KAFKA_LOG_DEFAULTS,
  type LogConfig,
  logDefaultsFromBroker,
  resolveLogConfig,
  TOPIC_CONFIG_KEYS,
  validateTopicConfigs,
} from "./log-config.ts";
export type { StorageLogger } from "./logger.ts";
export { type Offset, toOffset } from "./offset.ts";
export { type OpenEngineOptions, openStorageEngine } from "./open-engine.ts";
