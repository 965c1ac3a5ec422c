/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320): the checksum of legacy
 * MessageSet v0/v1 messages (magic 0 and 1), which predate CRC-32C. The same
 * slicing-by-8 kernel as CRC-32C's JS path (crc-slicing.ts), with IEEE tables.
 */

import { slicingBy8, slicingTables } from "./crc-slicing.ts";

const T = slicingTables(0xedb88320, 8);

/** CRC-32 (IEEE) of `buf[start, end)` as an unsigned 32-bit number. */
export function crc32(buf: Uint8Array, start = 0, end = buf.length): number {
  if (start < 0 || end > buf.length || start > end) {
    throw new RangeError(`crc32 range [${start}, ${end}) outside buffer of ${buf.length}`);
  }
  return ~slicingBy8(T, -1, buf, start, end) >>> 0;
}
