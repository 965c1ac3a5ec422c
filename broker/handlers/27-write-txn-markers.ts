/**
 * WriteTxnMarkers (key 27), v0–v1: writes COMMIT/ABORT markers to the named partitions
 * (in Kafka the coordinator sends this to partition leaders; here the coordinator calls
 * the same marker code directly, and this handler answers tools and other brokers).
 * Markers on `__consumer_offsets` also settle the producer's pending transactional
 * offsets. Per partition: UNKNOWN_TOPIC_OR_PARTITION, INVALID_PRODUCER_EPOCH (older than
 * the partition's producer epoch), KAFKA_STORAGE_ERROR.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { ApiKey } from "../../protocol/messages/generated/apis.ts";
import { writeTxnMarker } from "../core/txn-markers.ts";
import { groupCoordinatorOf } from "../groups/attach.ts";
import { OFFSETS_TOPIC } from "../groups/group-log.ts";
import { transactionsOf } from "../transactions/attach.ts";
import { applyPendingOffsets } from "../transactions/txn-offsets.ts";
import { defineHandler } from "./registry.ts";

export const writeTxnMarkersHandler = defineHandler({
  apiKey: ApiKey.WriteTxnMarkers,
  minVersion: 0,
  maxVersion: 1,
  async handle(ctx, request) {
    const { core } = ctx;
    const now = core.clock.nowMs();
    // Start every append before awaiting any, so each marker takes its offset in order.
    const pending = request.markers.map((m) => {
      const marker = {
        producerId: Number(m.producerId),
        producerEpoch: m.producerEpoch,
        commit: m.transactionResult,
        coordinatorEpoch: m.coordinatorEpoch,
      };
      return {
        marker,
        topics: m.topics.map((t) => ({
          name: t.name,
          partitions: t.partitionIndexes.map((index) => {
            const p = core.partition(t.name, index);
            return {
              index,
              code: p
                ? writeTxnMarker(p, marker, now)
                : Promise.resolve(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION),
            };
          }),
        })),
      };
    });
    const markers = [];
    for (const m of pending) {
      const topics = [];
      let offsetsMarked = false;
      for (const t of m.topics) {
        const partitions = [];
        for (const p of t.partitions) {
          const errorCode = await p.code;
          if (t.name === OFFSETS_TOPIC && errorCode === ErrorCode.NONE) offsetsMarked = true;
          partitions.push({ partitionIndex: p.index, errorCode });
        }
        topics.push({ name: t.name, partitions });
      }
      const txns = transactionsOf(core);
      if (offsetsMarked && txns) {
        applyPendingOffsets(
          groupCoordinatorOf(core),
          txns.offsets,
          m.marker.producerId,
          m.marker.commit,
          now,
        );
      }
      markers.push({ producerId: BigInt(m.marker.producerId), topics });
    }
    return { markers };
  },
});
