/**
 * The shared core of producer, consumer and admin: bootstrap, one connection per broker
 * (per "lane", so a long-polling fetch never delays a heartbeat), ApiVersions negotiation
 * per connection, the metadata cache and the request path with retries.
 */
import type { Input } from "../protocol/codec/generated-support.ts";
import { ClientError, type KafkaError } from "./errors.ts";
import { kafkaError } from "./kafka-errors.ts";
import { type HostPort, parseBrokerList } from "./net/address.ts";
import type { ApiDef } from "./net/api-def.ts";
import {
  API_VERSIONS_KEY,
  decodeApiVersionsV0,
  pickVersion,
  type VersionRange,
} from "./net/api-versions.ts";
import { Apis } from "./net/apis.ts";
import { BrokerConnection } from "./net/connection.ts";
import { type RetryOptions, withRetries } from "./net/retry.ts";

export interface ClusterOptions {
  /** Bootstrap brokers: "host:port,host:port" or a list. */
  brokers: string | readonly string[];
  clientId?: string;
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Requests pipelined per connection before new ones queue (Java: max.in.flight…). */
  maxInFlight?: number;
  retries?: number;
  retryBackoffMs?: number;
  retryBackoffMaxMs?: number;
  /** Metadata older than this is refreshed before use. */
  metadataMaxAgeMs?: number;
}

export interface BrokerInfo {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface PartitionInfo {
  partition: number;
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  offline: number[];
  errorCode: number;
}

export interface TopicInfo {
  name: string;
  topicId: string;
  internal: boolean;
  errorCode: number;
  partitions: PartitionInfo[];
}

export interface ClusterMetadata {
  clusterId: string | null;
  controllerId: number;
  brokers: Map<number, BrokerInfo>;
  topics: Map<string, TopicInfo>;
}

export interface NodeConnection {
  connection: BrokerConnection;
  versions: Map<number, VersionRange>;
  address: string;
}

/** Where a request goes: a node id, or any reachable broker. */
export type Target = number | "any";

export interface SendOptions {
  /** Separate connection for this traffic class ("fetch" keeps long polls off the main one). */
  lane?: string;
  timeoutMs?: number;
  /** The broker sends no response (Produce with acks=0). */
  noResponse?: boolean;
  /** Caps the version below the API's own cap (to steer around a peer's known bug). */
  maxVersion?: number;
}

export class Cluster {
  readonly clientId: string;
  readonly requestTimeoutMs: number;
  readonly retry: RetryOptions;
  readonly #bootstrap: HostPort[];
  readonly #connectTimeoutMs: number;
  readonly #maxInFlight: number;
  readonly #metadataMaxAgeMs: number;
  readonly #conns = new Map<string, Promise<NodeConnection>>();
  #metadata: ClusterMetadata = {
    clusterId: null,
    controllerId: -1,
    brokers: new Map(),
    topics: new Map(),
  };
  #metadataAtMs = 0;
  /** Topics the cache tracks; a refresh asks for all of them (null = every topic). */
  readonly #wanted = new Set<string>();
  #closed = false;

  constructor(opts: ClusterOptions) {
    this.#bootstrap = parseBrokerList(opts.brokers);
    this.clientId = opts.clientId ?? "datacore";
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 30_000;
    this.#connectTimeoutMs = opts.connectTimeoutMs ?? 10_000;
    this.#maxInFlight = opts.maxInFlight ?? 5;
    this.#metadataMaxAgeMs = opts.metadataMaxAgeMs ?? 300_000;
    this.retry = {
      retries: opts.retries ?? 5,
      backoffMs: opts.retryBackoffMs ?? 100,
      backoffMaxMs: opts.retryBackoffMaxMs ?? 1000,
    };
  }

  get metadata(): ClusterMetadata {
    return this.#metadata;
  }

  /** Connection (with negotiated versions) to a node, bootstrap broker or any known one. */
  async connection(target: Target, lane = "main"): Promise<NodeConnection> {
    if (this.#closed) throw new ClientError("closed", "client is closed");
    if (target === "any") return this.#anyConnection(lane);
    let broker = this.#metadata.brokers.get(target);
    if (!broker) {
      await this.refreshMetadata();
      broker = this.#metadata.brokers.get(target);
    }
    if (!broker)
      throw new ClientError("connection", `broker ${target} is not in the cluster metadata`);
    return this.#connect({ host: broker.host, port: broker.port }, lane);
  }

  /** Connection to an address not (yet) in metadata, e.g. a group coordinator. */
  connectAddress(host: string, port: number, lane = "main"): Promise<NodeConnection> {
    if (this.#closed) return Promise.reject(new ClientError("closed", "client is closed"));
    return this.#connect({ host, port }, lane);
  }

  async #anyConnection(lane: string): Promise<NodeConnection> {
    // Prefer an open connection, then known brokers, then the bootstrap list.
    for (const [key, p] of this.#conns) {
      if (!key.endsWith(`|${lane}`)) continue;
      const nc = await p.catch(() => null);
      if (nc && !nc.connection.closed) return nc;
    }
    const candidates: HostPort[] = [
      ...[...this.#metadata.brokers.values()].map((b) => ({ host: b.host, port: b.port })),
      ...this.#bootstrap,
    ];
    let lastError: unknown = null;
    for (const hp of candidates) {
      try {
        return await this.#connect(hp, lane);
      } catch (err) {
        lastError = err;
      }
    }
    const list = this.#bootstrap.map((b) => `${b.host}:${b.port}`).join(",");
    throw new ClientError(
      "connection",
      `cannot reach any broker (${list}): ${lastError instanceof Error ? lastError.message : lastError}`,
      { cause: lastError },
    );
  }

  #connect(hp: HostPort, lane: string): Promise<NodeConnection> {
    const key = `${hp.host}:${hp.port}|${lane}`;
    const existing = this.#conns.get(key);
    if (existing) return existing;
    const p = (async () => {
      const connection = await BrokerConnection.connect({
        host: hp.host,
        port: hp.port,
        clientId: this.clientId,
        maxInFlight: this.#maxInFlight,
        requestTimeoutMs: this.requestTimeoutMs,
        connectTimeoutMs: this.#connectTimeoutMs,
      });
      connection.onClose = () => {
        if (this.#conns.get(key) === p) this.#conns.delete(key);
      };
      try {
        const res = await connection.request({
          apiKey: API_VERSIONS_KEY,
          apiVersion: 0,
          requestHeaderVersion: 1,
          responseHeaderVersion: 0,
          encode: () => {},
          decode: decodeApiVersionsV0,
        });
        if (res.errorCode !== 0)
          throw kafkaError(res.errorCode, `ApiVersions from ${connection.address}`);
        return { connection, versions: res.apis, address: connection.address };
      } catch (err) {
        connection.close();
        throw err;
      }
    })();
    this.#conns.set(key, p);
    p.catch(() => {
      if (this.#conns.get(key) === p) this.#conns.delete(key);
    });
    return p;
  }

  /** The version to use for `api` on this connection; throws "unsupported" if none. */
  version(
    nc: NodeConnection,
    api: ApiDef<unknown, unknown>,
    cap = Number.POSITIVE_INFINITY,
  ): number {
    const v = pickVersion(
      { min: api.minVersion, max: Math.min(api.maxVersion, cap) },
      nc.versions.get(api.key),
    );
    if (v < 0) {
      const theirs = nc.versions.get(api.key);
      throw new ClientError(
        "unsupported",
        `broker ${nc.address} does not support ${api.name}${theirs ? ` (it offers v${theirs.min}-${theirs.max}, we need v${api.minVersion}-${api.maxVersion})` : ""}`,
      );
    }
    return v;
  }

  /** True when the broker behind `nc` offers some version of `api` we can use. */
  supports(nc: NodeConnection, api: ApiDef<unknown, unknown>): boolean {
    return pickVersion({ min: api.minVersion, max: api.maxVersion }, nc.versions.get(api.key)) >= 0;
  }

  /** Sends one request (no retries: callers decide what is safe to repeat). */
  async send<Req, Res>(
    target: Target | NodeConnection,
    api: ApiDef<Req, Res>,
    build: (version: number) => Input<Req>,
    opts: SendOptions = {},
  ): Promise<{ response: Res; version: number; node: NodeConnection }> {
    const nc = typeof target === "object" ? target : await this.connection(target, opts.lane);
    const version = this.version(
      nc as NodeConnection,
      api as ApiDef<unknown, unknown>,
      opts.maxVersion,
    );
    const message = build(version);
    const flexible = version >= api.flexibleFrom;
    const response = await nc.connection.request<Res>({
      apiKey: api.key,
      apiVersion: version,
      requestHeaderVersion: flexible ? 2 : 1,
      responseHeaderVersion: flexible ? 1 : 0,
      encode: (w) => api.encode(w, message, version),
      decode: opts.noResponse ? null : (r) => api.decode(r, version),
      ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    });
    return { response, version, node: nc };
  }

  /** Runs `fn` with the client's retry policy, refreshing metadata between attempts. */
  retrying<T>(
    fn: (attempt: number) => Promise<T>,
    overrides: Partial<RetryOptions> = {},
  ): Promise<T> {
    return withRetries(fn, {
      ...this.retry,
      onRetry: async () => {
        await this.refreshMetadata().catch(() => {});
      },
      ...overrides,
    });
  }

  /** Adds topics to the set the cache tracks. */
  track(topics: Iterable<string>): void {
    for (const t of topics) this.#wanted.add(t);
  }

  /**
   * Refreshes metadata. `topics` null asks for every topic; otherwise the given topics plus
   * the tracked ones. Returns the (updated) cache.
   */
  async refreshMetadata(
    topics?: readonly string[] | null,
    allowAutoCreate = false,
  ): Promise<ClusterMetadata> {
    if (topics) this.track(topics);
    const names = topics === null ? null : [...this.#wanted];
    const { response } = await this.send("any", Apis.Metadata, (v) => ({
      topics: names === null ? (v >= 1 ? null : []) : names.map((name) => ({ name })),
      ...(v >= 4 ? { allowAutoTopicCreation: allowAutoCreate } : {}),
    }));
    const brokers = new Map<number, BrokerInfo>();
    for (const b of response.brokers)
      brokers.set(b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack });
    const topicsMap =
      names === null ? new Map<string, TopicInfo>() : new Map(this.#metadata.topics);
    for (const t of response.topics) {
      const name = t.name ?? "";
      topicsMap.set(name, {
        name,
        topicId: t.topicId,
        internal: t.isInternal,
        errorCode: t.errorCode,
        partitions: t.partitions
          .map((p) => ({
            partition: p.partitionIndex,
            leader: p.leaderId,
            leaderEpoch: p.leaderEpoch,
            replicas: [...p.replicaNodes],
            isr: [...p.isrNodes],
            offline: [...p.offlineReplicas],
            errorCode: p.errorCode,
          }))
          .sort((a, b) => a.partition - b.partition),
      });
    }
    this.#metadata = {
      clusterId: response.clusterId,
      controllerId: response.controllerId,
      brokers,
      topics: topicsMap,
    };
    this.#metadataAtMs = Date.now();
    return this.#metadata;
  }

  /** Metadata for `topic`, refreshed when unknown or stale; throws the topic's Kafka error. */
  async topic(
    topic: string,
    opts: { allowAutoCreate?: boolean; refresh?: boolean } = {},
  ): Promise<TopicInfo> {
    let info = this.#metadata.topics.get(topic);
    const stale = Date.now() - this.#metadataAtMs > this.#metadataMaxAgeMs;
    if (info?.errorCode !== 0 || stale || opts.refresh) {
      await this.refreshMetadata([topic], opts.allowAutoCreate ?? false);
      info = this.#metadata.topics.get(topic);
    }
    if (!info) throw kafkaError(3, `topic ${topic}`);
    if (info.errorCode !== 0) throw kafkaError(info.errorCode, `topic ${topic}`);
    return info;
  }

  /** Leader of one partition (refreshing when unknown); throws LEADER_NOT_AVAILABLE if none. */
  async leader(topic: string, partition: number): Promise<number> {
    const info = await this.topic(topic);
    const p = info.partitions.find((x) => x.partition === partition);
    if (!p) throw kafkaError(3, `partition ${topic}/${partition}`);
    if (p.leader < 0) throw kafkaError(5, `partition ${topic}/${partition}`);
    return p.leader;
  }

  /** Forgets a cached topic so the next use refreshes it (after a leadership error). */
  invalidate(topic: string): void {
    this.#metadata.topics.delete(topic);
  }

  /** Closes the connections of lanes starting with `prefix` (a closed consumer's). */
  async closeLanes(prefix: string): Promise<void> {
    for (const [key, p] of [...this.#conns]) {
      if (!key.split("|")[1]?.startsWith(prefix)) continue;
      this.#conns.delete(key);
      const nc = await p.catch(() => null);
      nc?.connection.close();
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    const all = [...this.#conns.values()];
    this.#conns.clear();
    for (const p of all) {
      const nc = await p.catch(() => null);
      nc?.connection.close();
    }
  }
}

export type { KafkaError };
