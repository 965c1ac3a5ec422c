/**
 * Shared pieces of describing this node and its topics to clients (Metadata,
 * DescribeCluster, DescribeTopicPartitions, FindCoordinator).
 */
import type { BrokerCore, TopicState } from "./broker-core.ts";
import { LEADER_EPOCH } from "./broker-core.ts";

/** Kafka's "authorized operations not requested" sentinel (Integer.MIN_VALUE). */
export const OPERATIONS_OMITTED = -2147483648;
/** Allow-all: READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS. */
export const TOPIC_OPERATIONS_ALL = [3, 4, 5, 6, 7, 8, 10, 11].reduce((a, op) => a | (1 << op), 0);
/** Allow-all on the cluster resource: CREATE … DESCRIBE_TOKENS (ops 5, 7–14). */
export const CLUSTER_OPERATIONS_ALL = [5, 7, 8, 9, 10, 11, 12, 13, 14].reduce(
  (a, op) => a | (1 << op),
  0,
);

export interface NodeEndpoint {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export function thisNode(core: BrokerCore): NodeEndpoint {
  return {
    nodeId: core.nodeId,
    host: core.advertised.host,
    port: core.advertised.port,
    rack: null,
  };
}

export function isInternalTopic(name: string): boolean {
  return name.startsWith("__");
}

/** Partition entries as Metadata and DescribeTopicPartitions list them. */
export function describePartitions(core: BrokerCore, topic: TopicState) {
  return topic.partitions.map((p) => ({
    errorCode: 0,
    partitionIndex: p.index,
    leaderId: core.nodeId,
    leaderEpoch: LEADER_EPOCH,
    replicaNodes: [core.nodeId],
    isrNodes: [core.nodeId],
    eligibleLeaderReplicas: [],
    lastKnownElr: [],
    offlineReplicas: [],
  }));
}
