/**
 * Aborted transactions, for read_committed fetches (KIP-98): the broker records each
 * aborted transaction when it writes the abort marker, and asks for the ones overlapping
 * a fetched range. Files use Kafka's .txnindex entry layout (34 bytes, big-endian):
 *   version int16 (0) | producerId int64 | firstOffset int64 | lastOffset int64 |
 *   lastStableOffset int64
 */
import type { AbortedTransaction } from "./engine.ts";
import { toOffset } from "./offset.ts";

export const TXN_ENTRY_BYTES = 34;

export function encodeAbortedTxn(t: AbortedTransaction): Uint8Array {
  const out = new Uint8Array(TXN_ENTRY_BYTES);
  const v = new DataView(out.buffer);
  v.setInt16(0, 0);
  setInt64(v, 2, t.producerId);
  setInt64(v, 10, t.firstOffset);
  setInt64(v, 18, t.lastOffset);
  setInt64(v, 26, t.lastStableOffset);
  return out;
}

/** Whole entries of a .txnindex file; a torn trailing entry is ignored. */
export function decodeAbortedTxns(bytes: Uint8Array): AbortedTransaction[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: AbortedTransaction[] = [];
  for (let p = 0; p + TXN_ENTRY_BYTES <= bytes.length; p += TXN_ENTRY_BYTES) {
    if (v.getInt16(p) !== 0) break;
    const first = getInt64(v, p + 10);
    const last = getInt64(v, p + 18);
    const lso = getInt64(v, p + 26);
    if (first < 0 || last < first || lso < 0) break;
    out.push({
      producerId: getInt64(v, p + 2),
      firstOffset: toOffset(first),
      lastOffset: toOffset(last),
      lastStableOffset: toOffset(lso),
    });
  }
  return out;
}

/** Kafka's collectAbortedTxns: entries with lastOffset ≥ from and firstOffset < to. */
export function overlapping(
  entries: readonly AbortedTransaction[],
  fromOffset: number,
  toOffset: number,
): AbortedTransaction[] {
  return entries.filter((t) => t.lastOffset >= fromOffset && t.firstOffset < toOffset);
}

function setInt64(v: DataView, at: number, n: number): void {
  v.setInt32(at, Math.floor(n / 0x1_0000_0000));
  v.setUint32(at + 4, n >>> 0);
}

function getInt64(v: DataView, at: number): number {
  return v.getInt32(at) * 0x1_0000_0000 + v.getUint32(at + 4);
}
