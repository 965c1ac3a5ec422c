/**
 * The broker's state on one node: topics and their partitions (over the storage engine),
 * producer-id allocation, fetch sessions. Handlers call into it; every method that
 * changes shared state does its checks and its in-memory change without an `await` in
 * between (STYLE.md), then awaits durability.
 */
import type { Clock, Random } from "../../storage/clock.ts";
import type { StorageEngine, TopicMetadata } from "../../storage/engine.ts";
import { isStorageError } from "../../storage/errors.ts";
import {
  type LogConfig,
  logDefaultsFromBroker,
  resolveLogConfig,
  validateTopicConfigs,
} from "../../storage/log-config.ts";
import type { BrokerConfig } from "../config.ts";
import type { Logger } from "../logger.ts";
import { FetchSessionCache } from "./fetch-sessions.ts";
import { PartitionState } from "./partition.ts";
import type { TxnVerifier } from "./produce.ts";

/** Kafka-level outcome of an admin operation: an error code name and a message. */
export type AdminResult = { error: null } | { error: AdminErrorName; message: string };
export type AdminErrorName =
  | "INVALID_TOPIC_EXCEPTION"
  | "TOPIC_ALREADY_EXISTS"
  | "INVALID_PARTITIONS"
  | "INVALID_REPLICATION_FACTOR"
  | "INVALID_CONFIG"
  | "UNKNOWN_TOPIC_OR_PARTITION"
  | "UNKNOWN_TOPIC_ID"
  | "INVALID_REQUEST"
  | "KAFKA_STORAGE_ERROR";

export interface TopicState {
  readonly meta: TopicMetadata;
  readonly partitions: PartitionState[];
  /** Config overrides as a Map, for config resolution. */
  readonly overrides: Map<string, string>;
}

/** Durable producer-id allocation (InitProducerId). */
export interface ProducerIdAllocator {
  next(): Promise<number>;
}

export interface BrokerCoreDeps {
  config: BrokerConfig;
  clock: Clock;
  random: Random;
  logger: Logger;
  engine: StorageEngine;
  producerIds: ProducerIdAllocator;
  clusterId: string;
  /** Where clients should connect (Metadata, FindCoordinator). */
  advertised: { host: string; port: number };
}

const TOPIC_NAME = /^[a-zA-Z0-9._-]+$/;
const MAX_TOPIC_NAME = 249;
/** Every partition's leader epoch on a single node: it never changes leader. */
export const LEADER_EPOCH = 0;
/** Producer snapshots after this many appends bound replay work at restart. */
const SNAPSHOT_EVERY_APPENDS = 1000;
/**
 * ...but at most one per partition per this interval: a snapshot is an atomic file write
 * (fsyncs included) that the partition's appends queue behind, and with small batches
 * 1000 appends pass several times a second (measured: ~15% of broker CPU in the
 * single-record bench). Replaying 10 s of batch headers at restart is cheap.
 */
const SNAPSHOT_MIN_INTERVAL_MS = 10_000;

export class BrokerCore {
  readonly config: BrokerConfig;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly engine: StorageEngine;
  readonly nodeId: number;
  readonly clusterId: string;
  readonly advertised: { host: string; port: number };
  readonly fetchSessions: FetchSessionCache;
  /**
   * Set by the transaction coordinator when it starts (broker/transactions/attach.ts):
   * Produce checks transactional batches with it (KIP-890). Null: accepted unchecked.
   */
  txnVerifier: TxnVerifier | null = null;
  private readonly producerIds: ProducerIdAllocator;
  private readonly topics = new Map<string, TopicState>();
  private readonly topicsById = new Map<string, TopicState>();
  /** Names being created or deleted right now: a second request sees them as taken. */
  private readonly busyNames = new Set<string>();
  private readonly logDefaults: LogConfig;
  private closing = false;

  private constructor(deps: BrokerCoreDeps) {
    this.config = deps.config;
    this.clock = deps.clock;
    this.random = deps.random;
    this.logger = deps.logger;
    this.engine = deps.engine;
    this.nodeId = deps.config.broker_id;
    this.clusterId = deps.clusterId;
    this.advertised = deps.advertised;
    this.producerIds = deps.producerIds;
    this.fetchSessions = new FetchSessionCache(deps.random);
    this.logDefaults = logDefaultsFromBroker(deps.config);
  }

  /** Opens every topic's partitions and recovers their producer state. */
  static async open(deps: BrokerCoreDeps): Promise<BrokerCore> {
    const core = new BrokerCore(deps);
    for (const meta of deps.engine.metadata.listTopics()) {
      const state = await core.openTopic(meta);
      for (const p of state.partitions) await p.recover();
    }
    return core;
  }

  listTopics(): TopicState[] {
    return [...this.topics.values()];
  }

  topic(name: string): TopicState | undefined {
    return this.topics.get(name);
  }

  topicById(id: string): TopicState | undefined {
    return this.topicsById.get(id);
  }

  partition(topic: string, index: number): PartitionState | undefined {
    return this.topics.get(topic)?.partitions[index];
  }

  logConfigOf(overrides: Readonly<Record<string, string>>): LogConfig {
    return resolveLogConfig(this.logDefaults, overrides);
  }

  allocateProducerId(): Promise<number> {
    return this.producerIds.next();
  }

  /** Checks a CreateTopics entry without changing anything. */
  checkNewTopic(
    name: string,
    partitions: number,
    replicationFactor: number,
    configs: Readonly<Record<string, string>>,
  ): AdminResult {
    if (name.length === 0 || name.length > MAX_TOPIC_NAME || name === "." || name === "..") {
      return { error: "INVALID_TOPIC_EXCEPTION", message: `illegal topic name "${name}"` };
    }
    if (!TOPIC_NAME.test(name)) {
      return {
        error: "INVALID_TOPIC_EXCEPTION",
        message: `topic name "${name}" has characters other than ASCII alphanumerics, '.', '_' and '-'`,
      };
    }
    if (this.topics.has(name) || this.busyNames.has(name)) {
      return { error: "TOPIC_ALREADY_EXISTS", message: `topic "${name}" already exists` };
    }
    if (partitions < 1 || partitions > 100_000) {
      return {
        error: "INVALID_PARTITIONS",
        message: `partition count ${partitions} must be 1..100000`,
      };
    }
    if (replicationFactor !== 1) {
      return {
        error: "INVALID_REPLICATION_FACTOR",
        message: `replication factor ${replicationFactor} is larger than the 1 available broker`,
      };
    }
    const bad = validateTopicConfigs(configs);
    if (bad !== null) return { error: "INVALID_CONFIG", message: bad };
    return { error: null };
  }

  /**
   * Creates a topic. `partitions`/`replicationFactor` of -1 take the broker defaults.
   * Returns the created state, or why not.
   */
  async createTopic(
    name: string,
    partitionsRequested: number,
    replicationRequested: number,
    configs: Readonly<Record<string, string>>,
  ): Promise<AdminResult & { topic?: TopicState }> {
    const partitions =
      partitionsRequested === -1 ? this.config.num_partitions : partitionsRequested;
    const replicationFactor =
      replicationRequested === -1 ? this.config.default_replication_factor : replicationRequested;
    const check = this.checkNewTopic(name, partitions, replicationFactor, configs);
    if (check.error !== null) return check;
    const meta: TopicMetadata = {
      name,
      id: this.newTopicId(),
      partitions,
      replicationFactor,
      configs: { ...configs },
    };
    this.busyNames.add(name);
    try {
      await this.engine.metadata.createTopic(meta);
      const topic = await this.openTopic(meta);
      this.logger.info("created topic", { topic: name, partitions, topic_id: meta.id });
      return { error: null, topic };
    } catch (err) {
      return this.storageFailure("create topic", name, err);
    } finally {
      this.busyNames.delete(name);
    }
  }

  async deleteTopic(name: string): Promise<AdminResult> {
    const topic = this.topics.get(name);
    if (!topic || this.busyNames.has(name)) {
      return { error: "UNKNOWN_TOPIC_OR_PARTITION", message: `topic "${name}" does not exist` };
    }
    // Gone from every lookup at once; fetches waiting on it wake and see it missing.
    this.topics.delete(name);
    this.topicsById.delete(topic.meta.id);
    this.busyNames.add(name);
    for (const p of topic.partitions) p.wakeAll();
    try {
      await this.engine.metadata.deleteTopic(name);
      for (const p of topic.partitions) await this.engine.deleteLog(name, p.index);
      this.logger.info("deleted topic", { topic: name, topic_id: topic.meta.id });
      return { error: null };
    } catch (err) {
      return this.storageFailure("delete topic", name, err);
    } finally {
      this.busyNames.delete(name);
    }
  }

  checkPartitionCount(name: string, count: number): AdminResult {
    const topic = this.topics.get(name);
    if (!topic || this.busyNames.has(name)) {
      return { error: "UNKNOWN_TOPIC_OR_PARTITION", message: `topic "${name}" does not exist` };
    }
    const current = topic.partitions.length;
    if (count <= current) {
      return {
        error: "INVALID_PARTITIONS",
        message: `topic "${name}" has ${current} partitions; the count can only grow`,
      };
    }
    if (count > 100_000)
      return { error: "INVALID_PARTITIONS", message: `${count} partitions is too many` };
    return { error: null };
  }

  async createPartitions(name: string, count: number): Promise<AdminResult> {
    const check = this.checkPartitionCount(name, count);
    if (check.error !== null) return check;
    const topic = this.topics.get(name)!;
    this.busyNames.add(name);
    try {
      await this.engine.metadata.setPartitionCount(name, count);
      const meta = this.engine.metadata.topic(name)!;
      const config = this.logConfigOf(meta.configs);
      for (let i = topic.partitions.length; i < count; i++) {
        const log = await this.engine.openLog({
          topic: name,
          partition: i,
          topicId: meta.id,
          config,
        });
        topic.partitions.push(new PartitionState(name, meta.id, i, log, LEADER_EPOCH));
      }
      this.replaceMeta(topic, meta);
      this.logger.info("added partitions", { topic: name, partitions: count });
      return { error: null };
    } catch (err) {
      return this.storageFailure("create partitions", name, err);
    } finally {
      this.busyNames.delete(name);
    }
  }

  /** Replaces a topic's config overrides (already validated) and applies them to its logs. */
  async setTopicConfigs(
    name: string,
    configs: Readonly<Record<string, string>>,
  ): Promise<AdminResult> {
    const topic = this.topics.get(name);
    if (!topic)
      return { error: "UNKNOWN_TOPIC_OR_PARTITION", message: `topic "${name}" does not exist` };
    const bad = validateTopicConfigs(configs);
    if (bad !== null) return { error: "INVALID_CONFIG", message: bad };
    try {
      await this.engine.metadata.setTopicConfigs(name, configs);
      const meta = this.engine.metadata.topic(name);
      if (!meta)
        return { error: "UNKNOWN_TOPIC_OR_PARTITION", message: `topic "${name}" was deleted` };
      const config = this.logConfigOf(meta.configs);
      for (const p of topic.partitions) p.log.updateConfig(config);
      this.replaceMeta(topic, meta);
      return { error: null };
    } catch (err) {
      return this.storageFailure("alter configs", name, err);
    }
  }

  /** After an append: snapshot producer state now and then. */
  noteAppend(partition: PartitionState): void {
    partition.appendsSinceSnapshot++;
    if (
      partition.appendsSinceSnapshot >= SNAPSHOT_EVERY_APPENDS &&
      this.clock.monotonicMs() - partition.lastSnapshotMs >= SNAPSHOT_MIN_INTERVAL_MS
    ) {
      partition.lastSnapshotMs = this.clock.monotonicMs();
      partition.snapshotProducers().catch((err) =>
        this.logger.warn("producer snapshot failed", {
          topic: partition.topic,
          partition: partition.index,
          error: String(err),
        }),
      );
    }
  }

  /** True once shutdown began: long polls stop waiting. */
  get isClosing(): boolean {
    return this.closing;
  }

  /** First step of shutdown: waiting fetches answer now instead of at max_wait_ms. */
  beginShutdown(): void {
    this.closing = true;
    for (const topic of this.topics.values()) for (const p of topic.partitions) p.wakeAll();
  }

  /** Clean shutdown: producer snapshots, then the engine closes every log. */
  async close(): Promise<void> {
    this.closing = true;
    for (const topic of this.topics.values()) {
      for (const p of topic.partitions) {
        p.wakeAll();
        if (p.log.isOffline()) continue;
        try {
          await p.snapshotProducers();
        } catch (err) {
          this.logger.warn("producer snapshot failed at shutdown", {
            topic: p.topic,
            partition: p.index,
            error: String(err),
          });
        }
      }
    }
    await this.engine.close();
  }

  private async openTopic(meta: TopicMetadata): Promise<TopicState> {
    const config = this.logConfigOf(meta.configs);
    const partitions: PartitionState[] = [];
    for (let i = 0; i < meta.partitions; i++) {
      const log = await this.engine.openLog({
        topic: meta.name,
        partition: i,
        topicId: meta.id,
        config,
      });
      partitions.push(new PartitionState(meta.name, meta.id, i, log, LEADER_EPOCH));
    }
    const state: TopicState = {
      meta,
      partitions,
      overrides: new Map(Object.entries(meta.configs)),
    };
    this.topics.set(meta.name, state);
    this.topicsById.set(meta.id, state);
    return state;
  }

  private replaceMeta(topic: TopicState, meta: TopicMetadata): void {
    const next: TopicState = {
      meta,
      partitions: topic.partitions,
      overrides: new Map(Object.entries(meta.configs)),
    };
    if (this.topics.get(meta.name) === topic) {
      this.topics.set(meta.name, next);
      this.topicsById.set(meta.id, next);
    }
  }

  private newTopicId(): string {
    for (;;) {
      const bytes = this.random.bytes(16);
      if (bytes.every((b) => b === 0)) continue;
      const id = Buffer.from(bytes).toString("base64url");
      if (!this.topicsById.has(id) && !this.engine.metadata.topicById(id)) return id;
    }
  }

  private storageFailure(what: string, name: string, err: unknown): AdminResult {
    if (isStorageError(err, "topic_exists")) {
      return { error: "TOPIC_ALREADY_EXISTS", message: `topic "${name}" already exists` };
    }
    if (isStorageError(err, "unknown_topic")) {
      return { error: "UNKNOWN_TOPIC_OR_PARTITION", message: `topic "${name}" does not exist` };
    }
    if (isStorageError(err, "invalid_config"))
      return { error: "INVALID_CONFIG", message: err.message };
    this.logger.error(`${what} failed`, { topic: name, error: String(err) });
    return { error: "KAFKA_STORAGE_ERROR", message: `${what} failed: ${String(err)}` };
  }
}
