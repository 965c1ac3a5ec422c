/**
 * Idempotent-producer recovery (KIP-360): what the producer does once a partition's
 * sequence numbers no longer match what the broker remembers.
 *
 * A batch that failed after it was sent (delivery timeout, broker gone) has used up its
 * sequence numbers without the producer knowing whether the broker wrote it; a broker
 * that remembers the producer then refuses every later batch of that partition with
 * OUT_OF_ORDER_SEQUENCE_NUMBER. Like the Java client, the producer then bumps its epoch
 * (InitProducerId v3+ with its current id and epoch; a broker may answer with a new id)
 * and restarts every partition's sequences at 0. A batch the broker refused with
 * OUT_OF_ORDER_SEQUENCE_NUMBER or UNKNOWN_PRODUCER_ID was not written, so it is
 * restamped with the new producer state and sent again.
 */
import { BATCH_OFFSETS } from "../../protocol/records/batch-header.ts";
import { crc32c } from "../../protocol/records/crc32c.ts";

/** Produce errors that mean "the broker's view of our sequences differs"; the batch was not written. */
export const OUT_OF_ORDER_SEQUENCE_NUMBER = 45;
export const UNKNOWN_PRODUCER_ID = 59;

export function isSequenceRejection(errorCode: number): boolean {
  return errorCode === OUT_OF_ORDER_SEQUENCE_NUMBER || errorCode === UNKNOWN_PRODUCER_ID;
}

/**
 * Rewrites producer id, epoch and base sequence of a finished batch (v2, possibly
 * compressed: only the header changes) and recomputes its CRC, which covers them.
 */
export function restampBatch(
  bytes: Uint8Array,
  producerId: number,
  producerEpoch: number,
  baseSequence: number,
): void {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  v.setBigInt64(BATCH_OFFSETS.producerId, BigInt(producerId));
  v.setInt16(BATCH_OFFSETS.producerEpoch, producerEpoch);
  v.setInt32(BATCH_OFFSETS.baseSequence, baseSequence);
  v.setUint32(BATCH_OFFSETS.crc, crc32c(bytes, BATCH_OFFSETS.attributes, bytes.byteLength));
}
