/**
 * Cluster administration over the Kafka protocol (what rpk and kafka-*.sh do): topics,
 * partitions, configs, groups, offsets and the cluster description. Works against any
 * Kafka-compatible broker; APIs a broker lacks fail with ClientError("unsupported").
 * Per-item failures (one topic of three already exists) come back in the results as
 * KafkaErrors rather than failing the whole call.
 */
import type { Cluster, NodeConnection, TopicInfo } from "./cluster.ts";
import { decodeAssignment, decodeSubscription } from "./consumer/member-protocol.ts";
import { ClientError, type KafkaError } from "./errors.ts";
import { kafkaError } from "./kafka-errors.ts";
import { Apis } from "./net/apis.ts";
import {
  type CommittedOffset,
  commitOffsets,
  fetchCommitted,
  groupByTopic,
  groupCoordinator,
  listOffsets,
  type OffsetAnswer,
  type OffsetQuery,
  type OffsetToCommit,
  type TopicPartition,
} from "./offsets.ts";

export interface NewTopic {
  name: string;
  /** -1 (default) lets the broker use its default. */
  partitions?: number;
  replicationFactor?: number;
  configs?: Readonly<Record<string, string>>;
}

export interface ItemResult {
  name: string;
  error: KafkaError | null;
}

export interface CreatedTopic extends ItemResult {
  topicId: string | null;
  partitions: number;
  replicationFactor: number;
}

export type ConfigResourceType = "topic" | "broker";

const RESOURCE_TYPE: Record<ConfigResourceType, number> = { topic: 2, broker: 4 };

/** Where a config value comes from (DescribeConfigs v1+ config_source). */
export const CONFIG_SOURCES = [
  "UNKNOWN",
  "DYNAMIC_TOPIC_CONFIG",
  "DYNAMIC_BROKER_CONFIG",
  "DYNAMIC_DEFAULT_BROKER_CONFIG",
  "STATIC_BROKER_CONFIG",
  "DEFAULT_CONFIG",
  "DYNAMIC_BROKER_LOGGER_CONFIG",
  "CLIENT_METRICS_CONFIG",
  "GROUP_CONFIG",
] as const;

export interface ConfigEntry {
  name: string;
  value: string | null;
  source: string;
  readOnly: boolean;
  sensitive: boolean;
  isDefault: boolean;
}

export type ConfigOp =
  | { name: string; op: "set"; value: string }
  | { name: string; op: "delete" | "append" | "subtract"; value?: string };

const CONFIG_OP: Record<ConfigOp["op"], number> = { set: 0, delete: 1, append: 2, subtract: 3 };

export interface GroupListing {
  groupId: string;
  protocolType: string;
  state: string;
  coordinator: number;
}

export interface GroupMemberDescription {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  /** Topics the member subscribed to (consumer groups only). */
  subscription: string[];
  assignment: TopicPartition[];
}

export interface GroupDescription {
  groupId: string;
  state: string;
  protocolType: string;
  protocol: string;
  members: GroupMemberDescription[];
  error: KafkaError | null;
}

export interface ClusterDescription {
  clusterId: string | null;
  controllerId: number;
  brokers: { nodeId: number; host: string; port: number; rack: string | null }[];
}

export class Admin {
  readonly #cluster: Cluster;

  constructor(cluster: Cluster) {
    this.#cluster = cluster;
  }

  /** Admin writes go to the controller when the broker names one (KRaft brokers forward anyway). */
  async #controller(): Promise<NodeConnection> {
    const md = await this.#cluster.refreshMetadata();
    if (md.controllerId >= 0 && md.brokers.has(md.controllerId))
      return this.#cluster.connection(md.controllerId);
    return this.#cluster.connection("any");
  }

  async createTopics(
    topics: readonly NewTopic[],
    opts: { timeoutMs?: number; validateOnly?: boolean } = {},
  ): Promise<CreatedTopic[]> {
    const controller = await this.#controller();
    const { response } = await this.#cluster.send(controller, Apis.CreateTopics, (v) => ({
      topics: topics.map((t) => ({
        name: t.name,
        numPartitions: t.partitions ?? -1,
        replicationFactor: t.replicationFactor ?? -1,
        assignments: [],
        configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
      })),
      timeoutMs: opts.timeoutMs ?? 30_000,
      ...(v >= 1 ? { validateOnly: opts.validateOnly ?? false } : {}),
    }));
    return response.topics.map((t) => ({
      name: t.name,
      error:
        t.errorCode === 0
          ? null
          : kafkaError(t.errorCode, `create topic ${t.name}`, t.errorMessage),
      topicId: t.topicId || null,
      partitions: t.numPartitions,
      replicationFactor: t.replicationFactor,
    }));
  }

  async deleteTopics(
    names: readonly string[],
    opts: { timeoutMs?: number } = {},
  ): Promise<ItemResult[]> {
    const controller = await this.#controller();
    const { response } = await this.#cluster.send(controller, Apis.DeleteTopics, (v) => ({
      ...(v >= 6 ? { topics: names.map((name) => ({ name })) } : { topicNames: [...names] }),
      timeoutMs: opts.timeoutMs ?? 30_000,
    }));
    return response.responses.map((r) => ({
      name: r.name ?? "",
      error:
        r.errorCode === 0
          ? null
          : kafkaError(r.errorCode, `delete topic ${r.name}`, r.errorMessage),
    }));
  }

  /** Topic names, sorted; internal topics (`__consumer_offsets`…) only when asked. */
  async listTopics(opts: { internal?: boolean } = {}): Promise<TopicInfo[]> {
    const md = await this.#cluster.refreshMetadata(null);
    return [...md.topics.values()]
      .filter((t) => t.errorCode === 0 && (opts.internal || !t.internal))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** Metadata of one topic; throws UNKNOWN_TOPIC_OR_PARTITION when it does not exist. */
  async describeTopic(name: string): Promise<TopicInfo> {
    return this.#cluster.topic(name, { refresh: true });
  }

  /** Grows `topic` to `totalCount` partitions. */
  async createPartitions(
    topic: string,
    totalCount: number,
    opts: { timeoutMs?: number; validateOnly?: boolean } = {},
  ): Promise<ItemResult> {
    const controller = await this.#controller();
    const { response } = await this.#cluster.send(controller, Apis.CreatePartitions, () => ({
      topics: [{ name: topic, count: totalCount, assignments: null }],
      timeoutMs: opts.timeoutMs ?? 30_000,
      validateOnly: opts.validateOnly ?? false,
    }));
    const r = response.results[0];
    if (!r) throw new ClientError("protocol", "CreatePartitions returned no result");
    return {
      name: r.name,
      error:
        r.errorCode === 0
          ? null
          : kafkaError(r.errorCode, `add partitions to ${r.name}`, r.errorMessage),
    };
  }

  async describeConfigs(
    type: ConfigResourceType,
    name: string,
    keys: readonly string[] | null = null,
  ): Promise<ConfigEntry[]> {
    const target = type === "broker" ? Number(name) : "any";
    const { response, version } = await this.#cluster.send(target, Apis.DescribeConfigs, (v) => ({
      resources: [
        {
          resourceType: RESOURCE_TYPE[type],
          resourceName: name,
          configurationKeys: keys ? [...keys] : null,
        },
      ],
      ...(v >= 1 ? { includeSynonyms: false } : {}),
    }));
    const r = response.results[0];
    if (!r) throw new ClientError("protocol", "DescribeConfigs returned no result");
    if (r.errorCode !== 0)
      throw kafkaError(r.errorCode, `describe configs of ${type} ${name}`, r.errorMessage);
    return r.configs
      .map((c) => {
        const source =
          version >= 1
            ? (CONFIG_SOURCES[c.configSource] ?? "UNKNOWN")
            : c.isDefault
              ? "DEFAULT_CONFIG"
              : "DYNAMIC_TOPIC_CONFIG";
        return {
          name: c.name,
          value: c.value,
          source,
          readOnly: c.readOnly,
          sensitive: c.isSensitive,
          isDefault: version >= 1 ? c.configSource === 5 : c.isDefault,
        };
      })
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** IncrementalAlterConfigs (KIP-339): set/delete single keys, leave the rest alone. */
  async incrementalAlterConfigs(
    type: ConfigResourceType,
    name: string,
    ops: readonly ConfigOp[],
  ): Promise<void> {
    const target = type === "broker" ? Number(name) : "any";
    const { response } = await this.#cluster.send(target, Apis.IncrementalAlterConfigs, () => ({
      resources: [
        {
          resourceType: RESOURCE_TYPE[type],
          resourceName: name,
          configs: ops.map((o) => ({
            name: o.name,
            configOperation: CONFIG_OP[o.op],
            value: o.value ?? null,
          })),
        },
      ],
      validateOnly: false,
    }));
    const r = response.responses[0];
    if (r && r.errorCode !== 0)
      throw kafkaError(r.errorCode, `alter configs of ${type} ${name}`, r.errorMessage);
  }

  /** AlterConfigs (legacy): replaces the resource's whole dynamic config with `configs`. */
  async alterConfigs(
    type: ConfigResourceType,
    name: string,
    configs: Readonly<Record<string, string>>,
  ): Promise<void> {
    const target = type === "broker" ? Number(name) : "any";
    const { response } = await this.#cluster.send(target, Apis.AlterConfigs, () => ({
      resources: [
        {
          resourceType: RESOURCE_TYPE[type],
          resourceName: name,
          configs: Object.entries(configs).map(([k, value]) => ({ name: k, value })),
        },
      ],
      validateOnly: false,
    }));
    const r = response.responses[0];
    if (r && r.errorCode !== 0)
      throw kafkaError(r.errorCode, `alter configs of ${type} ${name}`, r.errorMessage);
  }

  /** Groups known to every broker (each broker lists the groups it coordinates). */
  async listGroups(): Promise<GroupListing[]> {
    const md = await this.#cluster.refreshMetadata();
    const nodes = md.brokers.size > 0 ? [...md.brokers.keys()] : [];
    const out: GroupListing[] = [];
    for (const node of nodes) {
      const { response } = await this.#cluster.send(node, Apis.ListGroups, () => ({}));
      if (response.errorCode !== 0)
        throw kafkaError(response.errorCode, `list groups on broker ${node}`);
      for (const g of response.groups) {
        out.push({
          groupId: g.groupId,
          protocolType: g.protocolType,
          state: g.groupState || "",
          coordinator: node,
        });
      }
    }
    return out.sort((a, b) => (a.groupId < b.groupId ? -1 : 1));
  }

  async describeGroup(groupId: string): Promise<GroupDescription> {
    const coordinator = await groupCoordinator(this.#cluster, groupId);
    const { response } = await this.#cluster.send(coordinator, Apis.DescribeGroups, () => ({
      groups: [groupId],
    }));
    const g = response.groups[0];
    if (!g) throw new ClientError("protocol", "DescribeGroups returned no group");
    const consumer = g.protocolType === "consumer";
    return {
      groupId: g.groupId,
      state: g.groupState,
      protocolType: g.protocolType,
      protocol: g.protocolData,
      error: g.errorCode === 0 ? null : kafkaError(g.errorCode, `describe group ${groupId}`),
      members: g.members.map((m) => {
        let subscription: string[] = [];
        let assignment: TopicPartition[] = [];
        if (consumer) {
          try {
            if (m.memberMetadata.length > 0)
              subscription = decodeSubscription(m.memberMetadata).topics;
            assignment = [...decodeAssignment(m.memberAssignment).assigned].flatMap(([topic, ps]) =>
              ps.map((partition) => ({ topic, partition })),
            );
          } catch {
            // A member from a client with a different embedded protocol: show it without details.
          }
        }
        return {
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          subscription,
          assignment,
        };
      }),
    };
  }

  async deleteGroups(groupIds: readonly string[]): Promise<ItemResult[]> {
    const out: ItemResult[] = [];
    for (const groupId of groupIds) {
      const coordinator = await groupCoordinator(this.#cluster, groupId);
      const { response } = await this.#cluster.send(coordinator, Apis.DeleteGroups, () => ({
        groupsNames: [groupId],
      }));
      for (const r of response.results) {
        out.push({
          name: r.groupId,
          error: r.errorCode === 0 ? null : kafkaError(r.errorCode, `delete group ${r.groupId}`),
        });
      }
    }
    return out;
  }

  listOffsets(
    queries: readonly OffsetQuery[],
    isolationLevel: 0 | 1 = 0,
  ): Promise<Map<string, OffsetAnswer>> {
    return listOffsets(this.#cluster, queries, isolationLevel);
  }

  /** Committed offsets of a group (all partitions it has offsets for when `partitions` is null). */
  async fetchOffsets(
    groupId: string,
    partitions: readonly TopicPartition[] | null = null,
  ): Promise<CommittedOffset[]> {
    const fetch = (tps: readonly TopicPartition[] | null) =>
      this.#cluster.retrying(async () => {
        const coordinator = await groupCoordinator(this.#cluster, groupId);
        return fetchCommitted(this.#cluster, coordinator, groupId, tps);
      });
    if (partitions !== null) return fetch(partitions);
    try {
      return await fetch(null);
    } catch (err) {
      // Some brokers (librdkafka's mock) answer an all-partitions OffsetFetch with a null
      // topic array, which is not valid Kafka; ask for every partition by name instead.
      if (!(err instanceof ClientError && err.code === "protocol")) throw err;
      const all = (await this.listTopics({ internal: false })).flatMap((t) =>
        t.partitions.map((p) => ({ topic: t.name, partition: p.partition })),
      );
      return (await fetch(all)).filter((c) => c.offset >= 0);
    }
  }

  /** Commits offsets for a group with no active members (as kafka-consumer-groups --reset-offsets does). */
  async commitOffsets(groupId: string, offsets: readonly OffsetToCommit[]): Promise<void> {
    const coordinator = await groupCoordinator(this.#cluster, groupId);
    await commitOffsets(this.#cluster, coordinator, groupId, offsets);
  }

  async deleteOffsets(groupId: string, partitions: readonly TopicPartition[]): Promise<void> {
    const coordinator = await groupCoordinator(this.#cluster, groupId);
    const { response } = await this.#cluster.send(coordinator, Apis.OffsetDelete, () => ({
      groupId,
      topics: [...groupByTopic(partitions)].map(([name, ps]) => ({
        name,
        partitions: ps.map((partitionIndex) => ({ partitionIndex })),
      })),
    }));
    if (response.errorCode !== 0)
      throw kafkaError(response.errorCode, `delete offsets of group ${groupId}`);
    for (const t of response.topics)
      for (const p of t.partitions)
        if (p.errorCode !== 0)
          throw kafkaError(
            p.errorCode,
            `delete offset of ${t.name}/${p.partitionIndex} in group ${groupId}`,
          );
  }

  /** Cluster id, controller and brokers: DescribeCluster when offered, else Metadata. */
  async describeCluster(): Promise<ClusterDescription> {
    const nc = await this.#cluster.connection("any");
    if (this.#cluster.supports(nc, Apis.DescribeCluster)) {
      const { response } = await this.#cluster.send(nc, Apis.DescribeCluster, () => ({}));
      if (response.errorCode !== 0)
        throw kafkaError(response.errorCode, "describe cluster", response.errorMessage);
      return {
        clusterId: response.clusterId,
        controllerId: response.controllerId,
        brokers: response.brokers
          .map((b) => ({ nodeId: b.brokerId, host: b.host, port: b.port, rack: b.rack }))
          .sort((a, b) => a.nodeId - b.nodeId),
      };
    }
    const md = await this.#cluster.refreshMetadata();
    return {
      clusterId: md.clusterId,
      controllerId: md.controllerId,
      brokers: [...md.brokers.values()].sort((a, b) => a.nodeId - b.nodeId),
    };
  }
}
