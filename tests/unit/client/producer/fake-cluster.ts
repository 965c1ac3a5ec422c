/**
 * A stand-in for Cluster that records Produce requests and answers them from a script,
 * so producer behaviour (batching, linger, sequences, retries) is tested without sockets.
 */
import type { Cluster, TopicInfo } from "../../../../client/cluster.ts";
import { Apis } from "../../../../client/net/apis.ts";
import { decodeRecordBatch } from "../../../../protocol/records/batch.ts";

export interface SentBatch {
  topic: string;
  partition: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  values: string[];
  bytes: number;
}

export interface ProduceCall {
  acks: number;
  batches: SentBatch[];
}

export class FakeCluster {
  readonly calls: ProduceCall[] = [];
  readonly requestTimeoutMs = 1000;
  readonly retry = { retries: 3, backoffMs: 1, backoffMaxMs: 2 };
  readonly metadata: {
    topics: Map<string, TopicInfo>;
    brokers: Map<number, unknown>;
    clusterId: string;
    controllerId: number;
  };
  /** Error code to answer for the next N produce responses of a partition ("t/0"). */
  readonly failNext = new Map<string, { code: number; times: number }>();
  nextOffset = new Map<string, number>();
  /** InitProducerId requests seen (v4): the id and epoch each named. */
  readonly initRequests: { producerId: bigint; producerEpoch: number }[] = [];

  constructor(topics: Record<string, number>) {
    this.metadata = {
      topics: new Map(),
      brokers: new Map([[1, {}]]),
      clusterId: "fake",
      controllerId: 1,
    };
    for (const [name, n] of Object.entries(topics)) {
      this.metadata.topics.set(name, {
        name,
        topicId: "",
        internal: false,
        errorCode: 0,
        partitions: Array.from({ length: n }, (_, partition) => ({
          partition,
          leader: 1,
          leaderEpoch: 0,
          replicas: [1],
          isr: [1],
          offline: [],
          errorCode: 0,
        })),
      });
    }
  }

  asCluster(): Cluster {
    return this as unknown as Cluster;
  }

  async topic(name: string): Promise<TopicInfo> {
    const t = this.metadata.topics.get(name);
    if (!t) throw new Error(`unknown topic ${name}`);
    return t;
  }

  async refreshMetadata(): Promise<unknown> {
    return this.metadata;
  }

  invalidate(): void {}

  track(): void {}

  retrying<T>(fn: (attempt: number) => Promise<T>): Promise<T> {
    return fn(0);
  }

  async send(
    _target: unknown,
    api: { key: number },
    // biome-ignore lint/suspicious/noExplicitAny: one fake answers two APIs with different shapes.
    build: (v: number) => any,
    // biome-ignore lint/suspicious/noExplicitAny: as above.
  ): Promise<{ response: any; version: number }> {
    if (api.key === Apis.InitProducerId.key) {
      const req = build(4);
      this.initRequests.push({ producerId: req.producerId, producerEpoch: req.producerEpoch });
      // Like Kafka for a known id: same id, next epoch (KIP-360).
      const epoch = req.producerId === 4242n ? req.producerEpoch + 1 : 0;
      return { response: { errorCode: 0, producerId: 4242n, producerEpoch: epoch }, version: 4 };
    }
    const req = build(9);
    const call: ProduceCall = { acks: req.acks, batches: [] };
    const responses = [];
    for (const t of req.topicData) {
      const partitionResponses = [];
      for (const p of t.partitionData) {
        const decoded = decodeRecordBatch(p.records);
        call.batches.push({
          topic: t.name,
          partition: p.index,
          producerId: decoded.header.producerId,
          producerEpoch: decoded.header.producerEpoch,
          baseSequence: decoded.header.baseSequence,
          values: decoded.records.map((r) => new TextDecoder().decode(r.value ?? new Uint8Array())),
          bytes: p.records.length,
        });
        const key = `${t.name}/${p.index}`;
        const fail = this.failNext.get(key);
        if (fail && fail.times > 0) {
          fail.times--;
          partitionResponses.push({
            index: p.index,
            errorCode: fail.code,
            baseOffset: -1n,
            logAppendTimeMs: -1n,
            errorMessage: null,
          });
          continue;
        }
        const base = this.nextOffset.get(key) ?? 0;
        this.nextOffset.set(key, base + decoded.records.length);
        partitionResponses.push({
          index: p.index,
          errorCode: 0,
          baseOffset: BigInt(base),
          logAppendTimeMs: -1n,
          errorMessage: null,
        });
      }
      responses.push({ name: t.name, partitionResponses });
    }
    this.calls.push(call);
    return { response: { responses, throttleTimeMs: 0 }, version: 9 };
  }

  get batches(): SentBatch[] {
    return this.calls.flatMap((c) => c.batches);
  }
}
