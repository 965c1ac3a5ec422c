/**
 * The APIs the client speaks, with the version range it implements. The generated codecs
 * cover every version; the caps below stop where a newer version changes semantics the
 * client does not handle (topic ids instead of names in Fetch v13+, KIP-848 member epochs
 * in OffsetCommit v9+, share groups in FindCoordinator v6+), and the floors skip versions
 * older than record batch v2.
 */
import {
  API_TABLE,
  type ApiKey,
  type ApiRequestMap,
  type ApiResponseMap,
} from "../../protocol/messages/generated/apis.ts";
import type { ApiDef } from "./api-def.ts";
import { SegmentWriter } from "./segment-writer.ts";

function def<K extends ApiKey>(
  key: K,
  min: number,
  max: number,
): ApiDef<ApiRequestMap[K], ApiResponseMap[K]> {
  const info = API_TABLE[key];
  return {
    key,
    name: info.name,
    minVersion: Math.max(min, info.minVersion),
    maxVersion: Math.min(max, info.maxVersion),
    flexibleFrom: info.flexibleFrom ?? Number.POSITIVE_INFINITY,
    encode: info.encodeRequest as ApiDef<ApiRequestMap[K], ApiResponseMap[K]>["encode"],
    decode: info.decodeResponse as ApiDef<ApiRequestMap[K], ApiResponseMap[K]>["decode"],
  };
}

/**
 * SyncGroup with one tolerance: some brokers (librdkafka's mock) send a null assignment
 * alongside an error code, which the schema does not allow. The error is what matters
 * then, so a failed strict decode of a non-flexible response is retried leniently.
 */
function lenientSyncGroup(): ApiDef<ApiRequestMap[14], ApiResponseMap[14]> {
  const strict = def(14, 0, 5);
  return {
    ...strict,
    decode(r, version) {
      const start = r.offset;
      try {
        return strict.decode(r, version);
      } catch (err) {
        if (version >= strict.flexibleFrom) throw err;
        r.offset = start;
        const throttleTimeMs = version >= 1 ? r.int32() : 0;
        const errorCode = r.int16();
        if (errorCode === 0) throw err;
        return {
          throttleTimeMs,
          errorCode,
          protocolType: null,
          protocolName: null,
          assignment: new Uint8Array(0),
        };
      }
    },
  };
}

/**
 * Produce: record batches are the bulk of the request; a SegmentWriter (the connection's)
 * keeps large ones by reference instead of copying them into the request buffer.
 */
function produce(): ApiDef<ApiRequestMap[0], ApiResponseMap[0]> {
  const plain = def(0, 3, 11);
  return {
    ...plain,
    encode(w, m, version) {
      if (w instanceof SegmentWriter) w.referencing(() => plain.encode(w, m, version));
      else plain.encode(w, m, version);
    },
  };
}

export const Apis = {
  Produce: produce(),
  Fetch: def(1, 4, 12),
  ListOffsets: def(2, 1, 7),
  Metadata: def(3, 1, 12),
  OffsetCommit: def(8, 2, 8),
  OffsetFetch: def(9, 1, 8),
  FindCoordinator: def(10, 0, 4),
  JoinGroup: def(11, 0, 9),
  Heartbeat: def(12, 0, 4),
  LeaveGroup: def(13, 0, 5),
  SyncGroup: lenientSyncGroup(),
  DescribeGroups: def(15, 0, 5),
  ListGroups: def(16, 0, 4),
  ApiVersions: def(18, 0, 4),
  CreateTopics: def(19, 0, 7),
  DeleteTopics: def(20, 0, 6),
  InitProducerId: def(22, 0, 5),
  DescribeConfigs: def(32, 0, 4),
  AlterConfigs: def(33, 0, 2),
  CreatePartitions: def(37, 0, 3),
  DeleteGroups: def(42, 0, 2),
  IncrementalAlterConfigs: def(44, 0, 1),
  OffsetDelete: def(47, 0, 0),
  DescribeCluster: def(60, 0, 1),
} as const;
