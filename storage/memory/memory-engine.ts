/**
 * The `memory` storage engine: logs and metadata in process memory. Used for tests, the
 * simulator and throwaway brokers; nothing survives a restart.
 */
import type { Clock } from "../clock.ts";
import type {
  MetadataStore,
  OpenLogOptions,
  PartitionLog,
  StorageEngine,
  TopicPartitionRef,
} from "../engine.ts";
import { StorageError } from "../errors.ts";
import { InMemoryMetadataStore } from "../metadata-store.ts";
import { MemoryLog } from "./memory-log.ts";

export interface MemoryEngineOptions {
  clock: Clock;
  clusterId: string;
  nodeId: number;
}

export class MemoryEngine implements StorageEngine {
  readonly kind = "memory" as const;
  readonly metadata: MetadataStore;
  private readonly logs = new Map<string, MemoryLog>();
  private closed = false;

  constructor(private readonly options: MemoryEngineOptions) {
    this.metadata = new InMemoryMetadataStore({
      version: 1,
      clusterId: options.clusterId,
      nodeId: options.nodeId,
      topics: [],
    });
  }

  openLog(options: OpenLogOptions): Promise<PartitionLog> {
    if (this.closed) return Promise.reject(new StorageError("closed", "engine closed"));
    const key = `${options.topic}-${options.partition}`;
    let log = this.logs.get(key);
    if (log === undefined) {
      log = new MemoryLog(options.topic, options.partition, options.config, this.options.clock);
      this.logs.set(key, log);
    }
    return Promise.resolve(log);
  }

  listLogs(): Promise<TopicPartitionRef[]> {
    return Promise.resolve(
      [...this.logs.values()].map((l) => ({ topic: l.topic, partition: l.partition })),
    );
  }

  async deleteLog(topic: string, partition: number): Promise<void> {
    const key = `${topic}-${partition}`;
    await this.logs.get(key)?.close();
    this.logs.delete(key);
  }

  async runMaintenance(): Promise<void> {
    for (const log of this.logs.values()) {
      await log.applyRetention();
      await log.compact();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const log of this.logs.values()) await log.close();
    this.logs.clear();
  }
}
