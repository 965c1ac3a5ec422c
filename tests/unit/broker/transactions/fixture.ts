/**
 * A test broker (memory engine, manual clock) with the group and transaction coordinators
 * attached, and small helpers that speak the transactional APIs through the pipeline.
 */
import { expect } from "bun:test";
import { startGroupCoordinator } from "../../../../broker/groups/attach.ts";
import { silentLogger } from "../../../../broker/logger.ts";
import { startTransactionCoordinator } from "../../../../broker/transactions/attach.ts";
import { ErrorCode } from "../../../../protocol/errors.ts";
import { ApiKey } from "../../../../protocol/messages/generated/apis.ts";
import { buildRecordBatch, decodeRecordBatch } from "../../../../protocol/records/batch.ts";
import { startTestBroker, type TestBroker } from "../harness.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

export async function txnBroker(
  overrides: Parameters<typeof startTestBroker>[0] = {},
): Promise<TestBroker> {
  const b = await startTestBroker(overrides);
  await startGroupCoordinator(b.core, silentLogger);
  await startTransactionCoordinator(b.core, silentLogger);
  return b;
}

export async function createTopic(b: TestBroker, name: string, partitions = 1): Promise<void> {
  const r = await b.call(ApiKey.CreateTopics, 7, {
    topics: [{ name, numPartitions: partitions, replicationFactor: 1 }],
  });
  expect(r!.topics[0]!.errorCode).toBe(ErrorCode.NONE);
}

export interface Pid {
  producerId: bigint;
  producerEpoch: number;
}

export async function initPid(
  b: TestBroker,
  transactionalId: string,
  timeoutMs = 60_000,
  version = 4,
): Promise<Pid & { errorCode: number }> {
  const r = await b.call(ApiKey.InitProducerId, version, {
    transactionalId,
    transactionTimeoutMs: timeoutMs,
    producerId: -1n,
    producerEpoch: -1,
  });
  return { errorCode: r!.errorCode, producerId: r!.producerId, producerEpoch: r!.producerEpoch };
}

export async function addPartitions(
  b: TestBroker,
  transactionalId: string,
  pid: Pid,
  topic: string,
  partitions: number[],
  version = 3,
): Promise<number[]> {
  const r = await b.call(ApiKey.AddPartitionsToTxn, version, {
    v3AndBelowTransactionalId: transactionalId,
    v3AndBelowProducerId: pid.producerId,
    v3AndBelowProducerEpoch: pid.producerEpoch,
    v3AndBelowTopics: [{ name: topic, partitions }],
  });
  return r!.resultsByTopicV3AndBelow[0]!.resultsByPartition.map((p) => p.partitionErrorCode);
}

export async function endTxn(
  b: TestBroker,
  transactionalId: string,
  pid: Pid,
  committed: boolean,
  version = 3,
): Promise<number> {
  const r = await b.call(ApiKey.EndTxn, version, {
    transactionalId,
    producerId: pid.producerId,
    producerEpoch: pid.producerEpoch,
    committed,
  });
  return r!.errorCode;
}

export function txnBatch(pid: Pid, seq: number, values: string[], transactional = true) {
  return buildRecordBatch({
    producerId: Number(pid.producerId),
    producerEpoch: pid.producerEpoch,
    baseSequence: seq,
    transactional,
    records: values.map((v, i) => ({
      key: null,
      value: enc.encode(v),
      timestamp: 1_600_000_000_000 + i,
    })),
  });
}

export async function produce(
  b: TestBroker,
  topic: string,
  records: Uint8Array,
  partition = 0,
): Promise<{ errorCode: number; baseOffset: bigint }> {
  const r = await b.call(ApiKey.Produce, 9, {
    acks: -1,
    timeoutMs: 1000,
    transactionalId: null,
    topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
  });
  const p = r!.responses[0]!.partitionResponses[0]!;
  return { errorCode: p.errorCode, baseOffset: p.baseOffset };
}

export interface Fetched {
  errorCode: number;
  highWatermark: number;
  lastStableOffset: number;
  aborted: { producerId: number; firstOffset: number }[] | null;
  /**
   * Values a consumer keeps: control batches skipped; for read_committed, also batches of
   * the listed aborted transactions (from their first offset up to their ABORT marker),
   * as Kafka's clients filter them.
   */
  values: string[];
  /** Every batch: [baseOffset, isControl, isTransactional]. */
  batches: [number, boolean, boolean][];
}

export async function fetchAll(
  b: TestBroker,
  topic: string,
  isolationLevel: 0 | 1,
  partition = 0,
): Promise<Fetched> {
  const r = await b.call(ApiKey.Fetch, 11, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 1 << 20,
    isolationLevel,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic,
        partitions: [
          {
            partition,
            currentLeaderEpoch: -1,
            fetchOffset: 0n,
            logStartOffset: -1n,
            partitionMaxBytes: 1 << 20,
          },
        ],
      },
    ],
    forgottenTopicsData: [],
    rackId: "",
  });
  const p = r!.responses[0]!.partitions[0]!;
  const values: string[] = [];
  const batches: [number, boolean, boolean][] = [];
  const bytes = p.records ?? new Uint8Array(0);
  const pendingAborts = [...(p.abortedTransactions ?? [])].map((a) => ({
    pid: Number(a.producerId),
    first: Number(a.firstOffset),
  }));
  const skipping = new Set<number>();
  let pos = 0;
  while (pos < bytes.length) {
    const batch = decodeRecordBatch(bytes, pos);
    pos += batch.size;
    const h = batch.header;
    batches.push([h.baseOffset, h.isControl, h.isTransactional]);
    for (const a of pendingAborts) if (a.first <= h.lastOffset) skipping.add(a.pid);
    for (let i = pendingAborts.length - 1; i >= 0; i--) {
      if (pendingAborts[i]!.first <= h.lastOffset) pendingAborts.splice(i, 1);
    }
    if (h.isControl) {
      skipping.delete(h.producerId);
      continue;
    }
    if (h.isTransactional && skipping.has(h.producerId)) continue;
    for (const rec of batch.records) values.push(rec.value ? dec.decode(rec.value) : "");
  }
  return {
    errorCode: p.errorCode,
    highWatermark: Number(p.highWatermark),
    lastStableOffset: Number(p.lastStableOffset),
    aborted:
      p.abortedTransactions === null
        ? null
        : p.abortedTransactions.map((a) => ({
            producerId: Number(a.producerId),
            firstOffset: Number(a.firstOffset),
          })),
    values,
    batches,
  };
}
