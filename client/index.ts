/**
 * datacore's Kafka client: the public API users import.
 *
 *   const kafka = new KafkaClient({ brokers: "localhost:9092" });
 *   const producer = kafka.producer();
 *   await producer.send({ topic: "t", key: "k", value: "v" });
 *   const consumer = kafka.consumer({ groupId: "g" });
 *   consumer.subscribe(["t"]);
 *   const records = await consumer.poll(1000);
 *   await kafka.close();
 *
 * Offsets, timestamps and producer ids are plain numbers (exact up to 2^53, i.e. for any
 * real log). Keys, values and header values are Uint8Array (strings are accepted when
 * producing and encoded as UTF-8).
 */
import "./native-gzip.ts";
import { Admin } from "./admin.ts";
import { Cluster, type ClusterOptions } from "./cluster.ts";
import { Consumer, type ConsumerOptions } from "./consumer/consumer.ts";
import { Producer, type ProducerOptions } from "./producer/producer.ts";

export class KafkaClient {
  readonly cluster: Cluster;
  readonly #owned: { close(): Promise<void> }[] = [];

  constructor(opts: ClusterOptions) {
    this.cluster = new Cluster(opts);
  }

  producer(opts: ProducerOptions = {}): Producer {
    const p = new Producer(this.cluster, opts);
    this.#owned.push(p);
    return p;
  }

  consumer(opts: ConsumerOptions = {}): Consumer {
    const c = new Consumer(this.cluster, opts);
    this.#owned.push(c);
    return c;
  }

  admin(): Admin {
    return new Admin(this.cluster);
  }

  /** Flushes producers, closes consumers (committing and leaving groups), then the connections. */
  async close(): Promise<void> {
    for (const o of this.#owned.splice(0)) await o.close().catch(() => {});
    await this.cluster.close();
  }
}

export {
  Admin,
  type ClusterDescription,
  type ConfigEntry,
  type ConfigOp,
  type ConfigResourceType,
  type CreatedTopic,
  type GroupDescription,
  type GroupListing,
  type GroupMemberDescription,
  type ItemResult,
  type NewTopic,
} from "./admin.ts";
export {
  type BrokerInfo,
  Cluster,
  type ClusterMetadata,
  type ClusterOptions,
  type PartitionInfo,
  type TopicInfo,
} from "./cluster.ts";
export {
  type Assignor,
  type GroupAssignment,
  type MemberSubscription,
  rangeAssignor,
  roundRobinAssignor,
} from "./consumer/assignors.ts";
export {
  Consumer,
  type ConsumerLag,
  type ConsumerOptions,
  type ConsumerRecord,
} from "./consumer/consumer.ts";
export { ClientError, type ClientErrorCode, isRetriable, KafkaError } from "./errors.ts";
export * from "./kv/index.ts";
export {
  type CommittedOffset,
  EARLIEST,
  LATEST,
  MAX_TIMESTAMP,
  type OffsetAnswer,
  type OffsetQuery,
  type OffsetToCommit,
  type TopicPartition,
} from "./offsets.ts";
export type { RecordHeader } from "./producer/batch-builder.ts";
export { murmur2, toPositive } from "./producer/murmur2.ts";
export { partitionForKey } from "./producer/partitioner.ts";
export {
  type DeliveryCallback,
  Producer,
  type ProducerOptions,
  type ProducerRecord,
  type RecordMetadata,
} from "./producer/producer.ts";
