/**
 * Turns the `records` bytes of one partition in a Fetch response into consumer records:
 * walks the batches (the last one may be cut short by the broker's size limit), skips
 * control batches and records before the fetch offset (a compressed batch may start
 * earlier), and with read_committed drops batches of aborted transactions.
 */

import { openRecordBatch } from "../../protocol/records/batch.ts";
import { LOG_OVERHEAD, RecordBatchHeader } from "../../protocol/records/batch-header.ts";
import { ClientError } from "../errors.ts";

export interface ConsumerRecord {
  topic: string;
  partition: number;
  offset: number;
  /** Epoch ms (create time, or log append time if the topic uses it). */
  timestamp: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: { key: string; value: Uint8Array | null }[];
}

export interface AbortedTransaction {
  producerId: number;
  firstOffset: number;
}

export interface ParsedRecords {
  records: ConsumerRecord[];
  /** Offset to fetch next: after the last complete batch seen (control batches included). */
  nextOffset: number;
}

export function parseFetchedRecords(
  topic: string,
  partition: number,
  data: Uint8Array | null,
  fetchOffset: number,
  aborted: readonly AbortedTransaction[] | null,
): ParsedRecords {
  const records: ConsumerRecord[] = [];
  let nextOffset = fetchOffset;
  if (!data) return { records, nextOffset };
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const abortedByStart = aborted ? [...aborted].sort((a, b) => a.firstOffset - b.firstOffset) : [];
  const activeAborts = new Set<number>();
  let pos = 0;
  while (pos + LOG_OVERHEAD <= data.length) {
    const size = LOG_OVERHEAD + view.getInt32(pos + 8);
    if (pos + size > data.length || size < 61) break; // partial trailing batch
    const magic = data[pos + 16];
    if (magic !== 2)
      throw new ClientError(
        "unsupported",
        `record format v${magic} (pre-0.11 messages) is not supported`,
      );
    const header = new RecordBatchHeader(data, pos);
    const batchEnd = header.nextOffset;
    while (abortedByStart.length > 0 && abortedByStart[0]!.firstOffset <= header.lastOffset) {
      activeAborts.add(abortedByStart.shift()!.producerId);
    }
    if (header.isControl) {
      // An abort/commit marker ends that producer's transaction.
      activeAborts.delete(header.producerId);
    } else if (
      !(header.isTransactional && activeAborts.has(header.producerId)) &&
      batchEnd > fetchOffset
    ) {
      const { cursor } = openRecordBatch(data, pos);
      while (cursor.next()) {
        if (cursor.offset < fetchOffset) continue;
        records.push({
          topic,
          partition,
          offset: cursor.offset,
          timestamp: cursor.timestamp,
          key: cursor.key,
          value: cursor.value,
          headers: cursor.headerCount > 0 ? cursor.headers() : [],
        });
      }
    }
    if (batchEnd > nextOffset) nextOffset = batchEnd;
    pos += size;
  }
  return { records, nextOffset };
}
