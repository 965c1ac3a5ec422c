/**
 * The metadata store kept in memory, with an optional `persist` hook that receives the
 * whole state after every change. The memory engine uses it bare; the file engine
 * persists it as JSON written atomically (temp file, fdatasync, rename, directory sync).
 */
import { assert } from "./assert.ts";
import type { ClusterIdentity, MetadataStore, TopicMetadata } from "./engine.ts";
import { StorageError } from "./errors.ts";
import { validateTopicConfigs } from "./log-config.ts";

export interface MetadataState {
  version: 1;
  clusterId: string;
  nodeId: number;
  topics: TopicMetadata[];
}

export class InMemoryMetadataStore implements MetadataStore {
  private readonly byName = new Map<string, TopicMetadata>();
  private readonly byId = new Map<string, TopicMetadata>();
  private readonly ident: ClusterIdentity;
  /** Serialises persists so the file always ends with the latest state. */
  private chain: Promise<void> = Promise.resolve();

  constructor(
    state: MetadataState,
    private readonly persist: ((state: MetadataState) => Promise<void>) | null = null,
  ) {
    this.ident = { clusterId: state.clusterId, nodeId: state.nodeId };
    for (const t of state.topics) this.put(t);
  }

  identity(): ClusterIdentity {
    return this.ident;
  }

  listTopics(): readonly TopicMetadata[] {
    return [...this.byName.values()];
  }

  topic(name: string): TopicMetadata | null {
    return this.byName.get(name) ?? null;
  }

  topicById(id: string): TopicMetadata | null {
    return this.byId.get(id) ?? null;
  }

  createTopic(topic: TopicMetadata): Promise<void> {
    if (this.byName.has(topic.name) || this.byId.has(topic.id)) {
      return Promise.reject(new StorageError("topic_exists", `topic ${topic.name} exists`));
    }
    assert(topic.partitions >= 1, `topic ${topic.name}: ${topic.partitions} partitions`);
    const reason = validateTopicConfigs(topic.configs);
    if (reason !== null) return Promise.reject(new StorageError("invalid_config", reason));
    this.put({ ...topic, configs: { ...topic.configs } });
    return this.save();
  }

  deleteTopic(name: string): Promise<void> {
    const t = this.byName.get(name);
    if (t === undefined) return Promise.reject(unknown(name));
    this.byName.delete(name);
    this.byId.delete(t.id);
    return this.save();
  }

  setPartitionCount(name: string, partitions: number): Promise<void> {
    const t = this.byName.get(name);
    if (t === undefined) return Promise.reject(unknown(name));
    assert(partitions >= t.partitions, `partition count of ${name} only grows`);
    this.put({ ...t, partitions });
    return this.save();
  }

  setTopicConfigs(name: string, configs: Readonly<Record<string, string>>): Promise<void> {
    const t = this.byName.get(name);
    if (t === undefined) return Promise.reject(unknown(name));
    const reason = validateTopicConfigs(configs);
    if (reason !== null) return Promise.reject(new StorageError("invalid_config", reason));
    this.put({ ...t, configs: { ...configs } });
    return this.save();
  }

  snapshot(): MetadataState {
    return {
      version: 1,
      clusterId: this.ident.clusterId,
      nodeId: this.ident.nodeId,
      topics: this.listTopics().map((t) => ({ ...t, configs: { ...t.configs } })),
    };
  }

  private put(topic: TopicMetadata): void {
    this.byName.set(topic.name, topic);
    this.byId.set(topic.id, topic);
  }

  private save(): Promise<void> {
    const persist = this.persist;
    if (persist === null) return Promise.resolve();
    const state = this.snapshot();
    const next = this.chain.then(() => persist(state));
    this.chain = next.catch(() => {});
    return next;
  }
}

function unknown(name: string): StorageError {
  return new StorageError("unknown_topic", `unknown topic ${name}`);
}

/** Checks a parsed metadata file; null when it is not one we wrote. */
export function parseMetadataState(value: unknown): MetadataState | null {
  if (typeof value !== "object" || value === null) return null;
  const v = value as Partial<MetadataState>;
  if (v.version !== 1 || typeof v.clusterId !== "string" || typeof v.nodeId !== "number") {
    return null;
  }
  if (!Array.isArray(v.topics)) return null;
  for (const t of v.topics) {
    if (typeof t?.name !== "string" || typeof t.id !== "string") return null;
    if (typeof t.partitions !== "number" || typeof t.replicationFactor !== "number") return null;
    if (typeof t.configs !== "object" || t.configs === null) return null;
  }
  return v as MetadataState;
}
