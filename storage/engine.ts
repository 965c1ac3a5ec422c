/**
 * The storage plugin boundary (DESIGN.md): what the broker core calls to keep partition
 * logs and cluster metadata. Engines (`memory`, `file`; later `s3`, `postgres`) implement
 * these interfaces; one contract test suite (tests/unit/storage/engine-contract.test.ts)
 * runs against each.
 *
 * Conventions every engine keeps:
 * - Bytes in, bytes out: an append takes whole v2 record batches that the broker already
 *   validated (header + CRC); a read returns whole stored batches. Engines read batch
 *   headers, never record payloads (compaction is the exception: it needs keys).
 * - State changes happen synchronously when a method is called (offsets are assigned in
 *   call order before the first await), so the broker can run a produce to completion
 *   without interleaving; the returned promise reports when the change is written/durable.
 * - After an I/O error a log is offline: every later call rejects with
 *   StorageError("storage_offline"); other logs keep working.
 */
import type { LogConfig } from "./log-config.ts";
import type { Offset } from "./offset.ts";

export type StorageEngineKind = "memory" | "file";

/**
 * How far an append must get before its promise resolves.
 * - "sync": written and fdatasync'd (acks=all). Concurrent appends share one sync.
 * - "write": handed to the OS (acks=0/1); the topic's flush.messages/flush.ms may still
 *   force a sync before it resolves.
 */
export type Durability = "sync" | "write";

export interface AppendOptions {
  /**
   * true (leader): the log stamps each batch's baseOffset with the next offsets, rewriting
   * the caller's buffer in place. false (follower, replication): the batches carry their
   * leader-assigned offsets, which must start at or after the log end offset.
   */
  assignOffsets: boolean;
  /** Stamped into each batch's partitionLeaderEpoch when given (leader appends). */
  leaderEpoch?: number;
  durability: Durability;
}

export interface AppendResult {
  firstOffset: Offset;
  lastOffset: Offset;
  /** Largest batch maxTimestamp in the append (-1 when none). */
  maxTimestamp: number;
  batchCount: number;
}

export interface ReadOptions {
  /**
   * Exclusive upper bound: batches starting at or after it are not returned (the high
   * watermark or last stable offset for consumers). Default: the log end.
   */
  maxOffset?: Offset;
  /**
   * Return the first batch even when it is larger than maxBytes (Kafka's minOneMessage,
   * so a consumer always makes progress). Default true.
   */
  minOneBatch?: boolean;
}

export interface ReadResult {
  /** Whole stored batches, possibly none; the first contains the requested offset. */
  records: Uint8Array;
  batchCount: number;
}

export interface TimestampLookup {
  /** Offset of the first record whose timestamp is ≥ the target. */
  offset: Offset;
  /** That record's timestamp. */
  timestamp: number;
  /** Leader epoch of the batch holding it (-1 if unknown). */
  leaderEpoch: number;
}

export interface EpochEntry {
  epoch: number;
  startOffset: Offset;
}

/** Answer of OffsetForLeaderEpoch: -1/-1 when the epoch is unknown (UNDEFINED_EPOCH). */
export interface EpochEndOffset {
  epoch: number;
  endOffset: number;
}

export interface ProducerSnapshot {
  /** The log offset the snapshot describes the state at (exclusive). */
  offset: Offset;
  bytes: Uint8Array;
}

/** One aborted transaction (Kafka's AbortedTxn): offsets of its first record and its marker. */
export interface AbortedTransaction {
  producerId: number;
  firstOffset: Offset;
  /** Offset of the abort marker. */
  lastOffset: Offset;
  /** The partition's last stable offset when the marker was written. */
  lastStableOffset: Offset;
}

export interface RetentionResult {
  deletedSegments: number;
  deletedBytes: number;
  logStartOffset: Offset;
}

export interface CompactionResult {
  /** Batches (or records) dropped because a later record has the same key. */
  removedRecords: number;
  bytesBefore: number;
  bytesAfter: number;
}

export interface PartitionLog {
  readonly topic: string;
  readonly partition: number;

  /** First offset a reader may fetch. */
  logStartOffset(): Offset;
  /** Offset the next appended record gets (the LEO, counting accepted appends). */
  logEndOffset(): Offset;
  highWatermark(): Offset;
  /** Broker bookkeeping: asserts logStart ≤ hw ≤ LEO. Persisted with checkpoints. */
  updateHighWatermark(hw: Offset): void;
  /**
   * The first offset of the oldest open transaction (null: none). Compaction never
   * cleans at or past it, so undecided transactional data is left alone.
   */
  updateFirstUnstableOffset(offset: Offset | null): void;

  /**
   * The log keeps a reference to `batches` until the promise settles (the file engine
   * writes it from there): do not reuse the buffer before.
   */
  append(batches: Uint8Array, options: AppendOptions): Promise<AppendResult>;
  read(offset: Offset, maxBytes: number, options?: ReadOptions): Promise<ReadResult>;
  /** Removes every batch whose last offset ≥ `offset` (replication truncation). */
  truncateTo(offset: Offset): Promise<void>;
  /** DeleteRecords: advances and persists the log start; `offset` must be ≤ HW. */
  deleteRecordsBefore(offset: Offset): Promise<Offset>;
  /** ListOffsets by timestamp; null when no record has a timestamp ≥ the target. */
  offsetForTimestamp(timestampMs: number): Promise<TimestampLookup | null>;

  /** Records that `epoch` starts at `startOffset` (also done by appends). Persisted. */
  assignEpochStartOffset(epoch: number, startOffset: Offset): Promise<void>;
  latestEpoch(): number | null;
  endOffsetForEpoch(epoch: number): EpochEndOffset;
  epochEntries(): readonly EpochEntry[];

  /**
   * Records an aborted transaction after its abort marker was appended; durable when the
   * promise resolves. Recording the same (producerId, lastOffset) again is a no-op, so
   * the broker may re-record while rebuilding producer state after a restart.
   */
  recordAbortedTransaction(txn: AbortedTransaction): Promise<void>;
  /** Aborted transactions overlapping [fromOffset, toOffset): for read_committed fetches. */
  abortedTransactions(fromOffset: Offset, toOffset: Offset): AbortedTransaction[];

  /** Saves the broker's producer-state snapshot (opaque) as of `offset`. */
  saveProducerSnapshot(snapshot: ProducerSnapshot): Promise<void>;
  /** Newest snapshot at or below the log end, restored at open; null when none. */
  latestProducerSnapshot(): ProducerSnapshot | null;

  config(): LogConfig;
  updateConfig(config: LogConfig): void;

  /** Closes the active segment and starts a new one at the log end. */
  roll(): Promise<void>;
  /** Syncs everything written so far. */
  flush(): Promise<void>;
  /** Applies retention.ms / retention.bytes / log start; no-op without cleanup.policy=delete. */
  applyRetention(): Promise<RetentionResult>;
  /** One compaction pass if cleanup.policy has compact and the dirty ratio is reached. */
  compact(options?: { force?: boolean }): Promise<CompactionResult | null>;
  /** Total stored bytes. */
  sizeInBytes(): number;
  segmentCount(): number;
  isOffline(): boolean;
  close(): Promise<void>;
}

export interface OpenLogOptions {
  topic: string;
  partition: number;
  /** Kafka topic id (22-char base64 uuid), written to partition.metadata. */
  topicId: string;
  config: LogConfig;
}

export interface TopicPartitionRef {
  topic: string;
  partition: number;
}

export interface StorageEngine {
  readonly kind: StorageEngineKind;
  readonly metadata: MetadataStore;
  /** Opens (creating if needed) a partition log. Opening an open log returns the same one. */
  openLog(options: OpenLogOptions): Promise<PartitionLog>;
  /** Partition logs present in the store, opened or not. */
  listLogs(): Promise<TopicPartitionRef[]>;
  /** Closes and removes a partition's data. */
  deleteLog(topic: string, partition: number): Promise<void>;
  /** Retention, compaction, flush.ms and checkpoints for every open log. */
  runMaintenance(): Promise<void>;
  /** Closes every log; the file engine then marks a clean shutdown. */
  close(): Promise<void>;
}

export interface TopicMetadata {
  name: string;
  /** Kafka topic id: 22-char URL-safe base64 of 16 bytes. */
  id: string;
  partitions: number;
  replicationFactor: number;
  configs: Readonly<Record<string, string>>;
}

export interface ClusterIdentity {
  clusterId: string;
  nodeId: number;
}

/**
 * Cluster and topic metadata that must survive restarts (DESIGN.md rule 5). Reads are
 * synchronous from memory; writes resolve once durable. Name and id are both unique.
 */
export interface MetadataStore {
  identity(): ClusterIdentity;
  listTopics(): readonly TopicMetadata[];
  topic(name: string): TopicMetadata | null;
  topicById(id: string): TopicMetadata | null;
  createTopic(topic: TopicMetadata): Promise<void>;
  deleteTopic(name: string): Promise<void>;
  /** CreatePartitions: the count only grows. */
  setPartitionCount(name: string, partitions: number): Promise<void>;
  /** Replaces the topic's config overrides (AlterConfigs semantics). */
  setTopicConfigs(name: string, configs: Readonly<Record<string, string>>): Promise<void>;
}
