/**
 * Fetching without decoding records, as a follower replica does: Fetch requests read
 * the stored bytes, and records are counted from batch headers (records count, last
 * offset delta) instead of being materialised. It measures the broker's fetch path; the
 * consumer's per-record parsing is what `bench consume` measures by default.
 */
import type { Cluster } from "../client/index.ts";
import { Apis } from "../client/net/apis.ts";

/** Batch header fields (protocol/records/batch-header.ts layout). */
const BATCH_LENGTH_AT = 8;
const LAST_OFFSET_DELTA_AT = 23;
const RECORDS_COUNT_AT = 57;
const BATCH_HEADER_BYTES = 61;

/** Called with the records and stored bytes seen in one response. */
export type RawFetchProgress = (records: number, bytes: number) => void;

/**
 * Reads `partitions` of `topic` from `from` until each reaches its end offset in `ends`
 * or `keepGoing` says stop. One request at a time covers every partition.
 */
export async function rawFetch(
  cluster: Cluster,
  topic: string,
  ends: ReadonlyMap<number, number>,
  maxPartitionBytes: number,
  keepGoing: () => boolean,
  onResponse: RawFetchProgress,
): Promise<void> {
  const next = new Map([...ends.keys()].map((p) => [p, 0]));
  const leader = await cluster.leader(topic, [...ends.keys()][0] ?? 0);
  while (keepGoing()) {
    const wanted = [...next].filter(([p, o]) => o < (ends.get(p) ?? 0));
    if (wanted.length === 0) return;
    const { response } = await cluster.send(
      leader,
      Apis.Fetch,
      () => ({
        replicaId: -1,
        maxWaitMs: 100,
        minBytes: 1,
        maxBytes: 16 * 1024 * 1024,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [
          {
            topic,
            topicId: "",
            partitions: wanted.map(([partition, offset]) => ({
              partition,
              currentLeaderEpoch: -1,
              fetchOffset: BigInt(offset),
              lastFetchedEpoch: -1,
              logStartOffset: -1n,
              partitionMaxBytes: maxPartitionBytes,
            })),
          },
        ],
        forgottenTopicsData: [],
        rackId: "",
      }),
      { maxVersion: 12, lane: "raw-fetch" },
    );
    for (const t of response.responses) {
      for (const p of t.partitions) {
        if (p.errorCode !== 0)
          throw new Error(`fetch ${topic}/${p.partitionIndex}: error ${p.errorCode}`);
        const records = p.records;
        if (!records) continue;
        const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
        let pos = 0;
        let count = 0;
        let offset = next.get(p.partitionIndex) ?? 0;
        while (pos + BATCH_HEADER_BYTES <= records.length) {
          const size = 12 + view.getInt32(pos + BATCH_LENGTH_AT);
          if (pos + size > records.length) break; // cut short by the byte budget
          const base = Number(view.getBigInt64(pos));
          const last = base + view.getInt32(pos + LAST_OFFSET_DELTA_AT);
          if (last >= offset) {
            count += view.getInt32(pos + RECORDS_COUNT_AT) - Math.max(0, offset - base);
            offset = last + 1;
          }
          pos += size;
        }
        next.set(p.partitionIndex, offset);
        onResponse(count, pos);
      }
    }
  }
}
