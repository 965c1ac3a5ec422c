/**
 * Turns the `records` bytes of one partition in a Fetch response into consumer records:
 * walks the batches (the last one may be cut short by the broker's size limit), skips
 * control batches and records before the fetch offset (a compressed batch may start
 * earlier), and with read_committed drops batches of aborted transactions.
 */

import { openRecordsSection } from "../../protocol/records/batch.ts";
import {
  LOG_OVERHEAD,
  RecordBatchHeader,
  TimestampType,
} from "../../protocol/records/batch-header.ts";
import { decodeHeaders, RecordColumns, scanRecords } from "../../protocol/records/record.ts";
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

/** Reused by every call: filled by scanRecords one batch at a time. */
const columns = new RecordColumns();

/**
 * Appends the records of `data` at or after `fetchOffset` to `out` (the consumer's buffer,
 * so each record is pushed once) and returns the offset to fetch next: after the last
 * complete batch seen, control batches included. Per record this allocates the record,
 * its value (and key) view into `data` and its headers array, nothing else.
 */
export function appendFetchedRecords(
  out: ConsumerRecord[],
  topic: string,
  partition: number,
  data: Uint8Array | null,
  fetchOffset: number,
  aborted: readonly AbortedTransaction[] | null,
): number {
  let nextOffset = fetchOffset;
  if (!data) return nextOffset;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const abortedByStart =
    aborted && aborted.length > 0 ? [...aborted].sort((a, b) => a.firstOffset - b.firstOffset) : [];
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
      // A view into `data`, or the decompressed records of this batch.
      const { section } = openRecordsSection(data, pos);
      scanRecords(section, header.recordCount, columns);
      const baseOffset = header.baseOffset;
      const baseTimestamp = header.baseTimestamp;
      const logAppendTime = header.timestampType === TimestampType.logAppendTime;
      const maxTimestamp = header.maxTimestamp;
      const { offsetDelta, timestampDelta, keyOffset, keyLength, valueOffset, valueLength } =
        columns;
      for (let i = 0; i < columns.count; i++) {
        const offset = baseOffset + offsetDelta[i]!;
        if (offset < fetchOffset) continue;
        const kl = keyLength[i]!;
        const ko = keyOffset[i]!;
        const vl = valueLength[i]!;
        const vo = valueOffset[i]!;
        const hc = columns.headerCount[i]!;
        out.push({
          topic,
          partition,
          offset,
          timestamp: logAppendTime ? maxTimestamp : baseTimestamp + timestampDelta[i]!,
          key: kl < 0 ? null : section.subarray(ko, ko + kl),
          value: vl < 0 ? null : section.subarray(vo, vo + vl),
          headers: hc > 0 ? decodeHeaders(section, columns.headersOffset[i]!, hc) : [],
        });
      }
    }
    if (batchEnd > nextOffset) nextOffset = batchEnd;
    pos += size;
  }
  return nextOffset;
}
