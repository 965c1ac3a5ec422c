/**
 * Access to the records inside a stored batch, for the few places storage must look
 * past headers: compaction (keys), the produce-time null-key check for compacted topics,
 * and refining a timestamp lookup inside one batch. Never on the append/fetch path.
 */

import type { CompressionCodecId } from "../protocol/compression/codec-id.ts";
import { compress, decompress } from "../protocol/compression/index.ts";
import { RecordBatchHeader } from "../protocol/records/batch-header.ts";
import { RecordCursor } from "../protocol/records/record.ts";

/** The (decompressed) records section of the batch at `buf[pos]`; throws RecordsError. */
export function recordsSection(header: RecordBatchHeader): Uint8Array {
  const start = header.offset + 61;
  const end = header.offset + header.sizeInBytes;
  return decompress(header.compression, header.buf.subarray(start, end));
}

export function cursorOf(header: RecordBatchHeader, section: Uint8Array): RecordCursor {
  return new RecordCursor(section, {
    count: header.recordCount,
    baseOffset: header.baseOffset,
    baseTimestamp: header.baseTimestamp,
    logAppendTime: header.timestampType === 1 ? header.maxTimestamp : null,
  });
}

export function compressSection(codec: CompressionCodecId, section: Uint8Array): Uint8Array {
  return compress(codec, section);
}

export function headerAt(buf: Uint8Array, pos = 0): RecordBatchHeader {
  return new RecordBatchHeader(buf, pos);
}
