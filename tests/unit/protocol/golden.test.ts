/**
 * Golden bytes written by hand from Kafka's protocol guide (docs/protocol.html) and the
 * message definitions — not produced by this codec — for ApiVersions, Metadata, Produce and
 * Fetch at an old, a middle and the newest (flexible) version, request and response.
 *
 * Notation: legacy strings are int16 length + UTF-8, legacy arrays/bytes int32 length;
 * flexible versions use compact forms (unsigned varint of length + 1, 0 = null) and end every
 * struct with a tagged-field section (count, then tag / size / data).
 */
import { describe, expect, test } from "bun:test";
import { Reader } from "../../../protocol/codec/reader.ts";
import { Writer } from "../../../protocol/codec/writer.ts";
import { API_TABLE, type ApiKey, ApiKey as K } from "../../../protocol/messages/generated/apis.ts";

const UUID = "AQIDBAUGBwgJCgsMDQ4PEA"; // bytes 01 02 … 10
const ZERO_UUID_HEX = "00".repeat(16);
// "0001 74" is the legacy string "t", "02 74" the compact one; UUID is bytes 01 02 … 10.
const RECORDS = new Uint8Array([1, 2, 3]); // opaque record bytes

interface Golden {
  readonly api: ApiKey;
  readonly version: number;
  readonly kind: "request" | "response";
  readonly message: Record<string, unknown>;
  readonly hex: string;
}

const goldens: Golden[] = [
  // ─── ApiVersions (18) ───
  { api: K.ApiVersions, version: 0, kind: "request", message: {}, hex: "" },
  { api: K.ApiVersions, version: 2, kind: "request", message: {}, hex: "" },
  {
    api: K.ApiVersions,
    version: 4,
    kind: "request",
    message: { clientSoftwareName: "kcat", clientSoftwareVersion: "1.0" },
    hex: [
      "05 6b636174", // ClientSoftwareName "kcat" (compact: 4 + 1)
      "04 312e30", // ClientSoftwareVersion "1.0"
      "00", // no tagged fields
    ].join(" "),
  },
  {
    api: K.ApiVersions,
    version: 0,
    kind: "response",
    message: { errorCode: 0, apiKeys: [{ apiKey: 0, minVersion: 0, maxVersion: 11 }] },
    hex: [
      "0000", // ErrorCode
      "00000001", // ApiKeys: 1 entry
      "0000 0000 000b", // Produce 0..11
    ].join(" "),
  },
  {
    api: K.ApiVersions,
    version: 2,
    kind: "response",
    message: {
      errorCode: 0,
      apiKeys: [
        { apiKey: 0, minVersion: 0, maxVersion: 11 },
        { apiKey: 18, minVersion: 0, maxVersion: 4 },
      ],
      throttleTimeMs: 0,
    },
    hex: [
      "0000", // ErrorCode
      "00000002", // ApiKeys: 2 entries
      "0000 0000 000b", // Produce 0..11
      "0012 0000 0004", // ApiVersions 0..4
      "00000000", // ThrottleTimeMs (v1+)
    ].join(" "),
  },
  {
    api: K.ApiVersions,
    version: 4,
    kind: "response",
    message: {
      errorCode: 0,
      apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 4 }],
      throttleTimeMs: 100,
      supportedFeatures: [{ name: "metadata.version", minVersion: 1, maxVersion: 20 }],
      finalizedFeaturesEpoch: 5n,
    },
    hex: [
      "0000", // ErrorCode
      "02", // ApiKeys: compact count 1 + 1
      "0012 0000 0004 00", // ApiVersions 0..4, no tags
      "00000064", // ThrottleTimeMs 100
      "02", // 2 tagged fields (FinalizedFeatures and ZkMigrationReady are default: omitted)
      "00 17", // tag 0 SupportedFeatures, 23 bytes:
      "02 11 6d657461646174612e76657273696f6e 0001 0014 00", //   [ "metadata.version" 1..20 ]
      "01 08 0000000000000005", // tag 1 FinalizedFeaturesEpoch = 5
    ].join(" "),
  },

  // ─── Metadata (3) ───
  {
    api: K.Metadata,
    version: 1,
    kind: "request",
    message: { topics: [{ name: "orders" }] },
    hex: "00000001 0006 6f7264657273", // Topics: ["orders"]
  },
  {
    api: K.Metadata,
    version: 7,
    kind: "request",
    message: { topics: [{ name: "orders" }], allowAutoTopicCreation: false },
    hex: [
      "00000001 0006 6f7264657273", // Topics: ["orders"]
      "00", // AllowAutoTopicCreation false (v4+)
    ].join(" "),
  },
  {
    api: K.Metadata,
    version: 12,
    kind: "request",
    message: { topics: [{ name: "orders" }], allowAutoTopicCreation: true },
    hex: [
      "02", // Topics: 1 (compact)
      ZERO_UUID_HEX, //   TopicId (v10+) zero: look up by name
      "07 6f7264657273 00", //   Name "orders" (compact nullable), no tags
      "01", // AllowAutoTopicCreation
      "00", // IncludeTopicAuthorizedOperations (v8+)
      "00", // no tagged fields
    ].join(" "),
  },
  {
    api: K.Metadata,
    version: 1,
    kind: "response",
    message: {
      brokers: [{ nodeId: 1, host: "h", port: 9092, rack: null }],
      controllerId: 1,
      topics: [
        {
          errorCode: 0,
          name: "t",
          isInternal: false,
          partitions: [
            { errorCode: 0, partitionIndex: 0, leaderId: 1, replicaNodes: [1], isrNodes: [1] },
          ],
        },
      ],
    },
    hex: [
      "00000001", // Brokers: 1
      "00000001 0001 68 00002384 ffff", //   node 1, "h", port 9092, rack null (v1+)
      "00000001", // ControllerId (v1+)
      "00000001", // Topics: 1
      "0000 0001 74 00", //   ErrorCode, Name "t", IsInternal (v1+)
      "00000001", //   Partitions: 1
      "0000 00000000 00000001", //     ErrorCode, PartitionIndex 0, LeaderId 1
      "00000001 00000001", //     ReplicaNodes [1]
      "00000001 00000001", //     IsrNodes [1]
    ].join(" "),
  },
  {
    api: K.Metadata,
    version: 7,
    kind: "response",
    message: {
      throttleTimeMs: 0,
      brokers: [{ nodeId: 1, host: "h", port: 9092, rack: "r" }],
      clusterId: "c",
      controllerId: 1,
      topics: [
        {
          errorCode: 0,
          name: "t",
          isInternal: false,
          partitions: [
            {
              errorCode: 0,
              partitionIndex: 0,
              leaderId: 1,
              leaderEpoch: 5,
              replicaNodes: [1],
              isrNodes: [1],
              offlineReplicas: [],
            },
          ],
        },
      ],
    },
    hex: [
      "00000000", // ThrottleTimeMs (v3+)
      "00000001 00000001 0001 68 00002384 0001 72", // Brokers: node 1, "h", 9092, rack "r"
      "0001 63", // ClusterId "c" (v2+)
      "00000001", // ControllerId
      "00000001 0000 0001 74 00", // Topics: 1; ErrorCode, Name, IsInternal
      "00000001 0000 00000000 00000001", //   Partitions: 1; ErrorCode, index 0, leader 1
      "00000005", //   LeaderEpoch (v7+)
      "00000001 00000001 00000001 00000001", //   ReplicaNodes [1], IsrNodes [1]
      "00000000", //   OfflineReplicas [] (v5+)
    ].join(" "),
  },
  {
    api: K.Metadata,
    version: 12,
    kind: "response",
    message: {
      throttleTimeMs: 0,
      brokers: [{ nodeId: 1, host: "h", port: 9092, rack: null }],
      clusterId: "c",
      controllerId: 1,
      topics: [
        {
          errorCode: 0,
          name: "t",
          topicId: UUID,
          isInternal: false,
          partitions: [
            {
              errorCode: 0,
              partitionIndex: 0,
              leaderId: 1,
              leaderEpoch: 5,
              replicaNodes: [1],
              isrNodes: [1],
              offlineReplicas: [],
            },
          ],
        },
      ],
    },
    hex: [
      "00000000", // ThrottleTimeMs
      "02 00000001 02 68 00002384 00 00", // Brokers: 1; node 1, "h", 9092, rack null, no tags
      "02 63", // ClusterId "c"
      "00000001", // ControllerId
      "02 0000 02 74 0102030405060708090a0b0c0d0e0f10 00", // Topics: 1; ErrorCode, Name "t", TopicId, IsInternal
      "02 0000 00000000 00000001 00000005", //   Partitions: 1; error, index, leader, epoch
      "02 00000001 02 00000001 01 00", //   Replicas [1], Isr [1], Offline [], no tags
      "80000000 00", //   TopicAuthorizedOperations default INT32_MIN (v8+), no tags
      "00", // no tagged fields (ClusterAuthorizedOperations is v8-10 only)
    ].join(" "),
  },

  // ─── Produce (0) ───
  {
    api: K.Produce,
    version: 3,
    kind: "request",
    message: {
      transactionalId: null,
      acks: -1,
      timeoutMs: 30000,
      topicData: [{ name: "t", partitionData: [{ index: 0, records: RECORDS }] }],
    },
    hex: [
      "ffff", // TransactionalId null (v3+)
      "ffff", // Acks -1
      "00007530", // TimeoutMs 30000
      "00000001 0001 74", // TopicData: 1; Name "t"
      "00000001 00000000", //   PartitionData: 1; Index 0
      "00000003 010203", //   Records: 3 bytes
    ].join(" "),
  },
  {
    api: K.Produce,
    version: 7,
    kind: "request",
    message: {
      transactionalId: "tx",
      acks: 1,
      timeoutMs: 1000,
      topicData: [{ name: "t", partitionData: [{ index: 0, records: RECORDS }] }],
    },
    hex: "0002 7478 0001 000003e8 00000001 0001 74 00000001 00000000 00000003 010203",
  },
  {
    api: K.Produce,
    version: 11,
    kind: "request",
    message: {
      transactionalId: null,
      acks: -1,
      timeoutMs: 30000,
      topicData: [{ name: "t", partitionData: [{ index: 0, records: RECORDS }] }],
    },
    hex: [
      "00", // TransactionalId null (compact)
      "ffff 00007530", // Acks -1, TimeoutMs 30000
      "02 02 74", // TopicData: 1; Name "t"
      "02 00000000", //   PartitionData: 1; Index 0
      "04 010203 00", //   Records (compact, 3 + 1), no tags
      "00", //   topic: no tags
      "00", // no tagged fields
    ].join(" "),
  },
  {
    api: K.Produce,
    version: 3,
    kind: "response",
    message: {
      responses: [
        {
          name: "t",
          partitionResponses: [{ index: 0, errorCode: 0, baseOffset: 42n, logAppendTimeMs: -1n }],
        },
      ],
      throttleTimeMs: 0,
    },
    hex: [
      "00000001 0001 74", // Responses: 1; Name "t"
      "00000001 00000000 0000", //   PartitionResponses: 1; Index 0, ErrorCode 0
      "000000000000002a", //   BaseOffset 42
      "ffffffffffffffff", //   LogAppendTimeMs -1 (v2+)
      "00000000", // ThrottleTimeMs (v1+)
    ].join(" "),
  },
  {
    api: K.Produce,
    version: 7,
    kind: "response",
    message: {
      responses: [
        {
          name: "t",
          partitionResponses: [
            { index: 0, errorCode: 0, baseOffset: 42n, logAppendTimeMs: -1n, logStartOffset: 0n },
          ],
        },
      ],
      throttleTimeMs: 0,
    },
    hex: [
      "00000001 0001 74 00000001 00000000 0000", // Responses: 1; "t"; PartitionResponses: 1; 0; 0
      "000000000000002a ffffffffffffffff", //   BaseOffset 42, LogAppendTimeMs -1
      "0000000000000000", //   LogStartOffset 0 (v5+)
      "00000000", // ThrottleTimeMs
    ].join(" "),
  },
  {
    api: K.Produce,
    version: 11,
    kind: "response",
    message: {
      responses: [
        {
          name: "t",
          partitionResponses: [
            {
              index: 0,
              errorCode: 6,
              baseOffset: -1n,
              logAppendTimeMs: -1n,
              logStartOffset: -1n,
              recordErrors: [],
              errorMessage: null,
              currentLeader: { leaderId: 2, leaderEpoch: 7 },
            },
          ],
        },
      ],
      throttleTimeMs: 0,
      nodeEndpoints: [{ nodeId: 2, host: "h", port: 9092, rack: null }],
    },
    hex: [
      "02 02 74", // Responses: 1; Name "t"
      "02 00000000 0006", //   PartitionResponses: 1; Index 0, NOT_LEADER_OR_FOLLOWER
      "ffffffffffffffff ffffffffffffffff ffffffffffffffff", //   BaseOffset, LogAppendTime, LogStartOffset
      "01", //   RecordErrors [] (v8+)
      "00", //   ErrorMessage null (v8+)
      "01 00 09 00000002 00000007 00", //   1 tag: 0 CurrentLeader {2, 7} (9 bytes)
      "00", //   topic: no tags
      "00000000", // ThrottleTimeMs
      "01 00 0d", // 1 tag: 0 NodeEndpoints (13 bytes)
      "02 00000002 02 68 00002384 00 00", //   [ node 2, "h", 9092, rack null ]
    ].join(" "),
  },

  // ─── Fetch (1) ───
  {
    api: K.Fetch,
    version: 4,
    kind: "request",
    message: {
      replicaId: -1,
      maxWaitMs: 500,
      minBytes: 1,
      maxBytes: 1048576,
      isolationLevel: 1,
      topics: [
        {
          topic: "t",
          partitions: [{ partition: 0, fetchOffset: 100n, partitionMaxBytes: 1048576 }],
        },
      ],
    },
    hex: [
      "ffffffff 000001f4 00000001", // ReplicaId -1, MaxWaitMs 500, MinBytes 1
      "00100000", // MaxBytes 1 MiB (v3+)
      "01", // IsolationLevel READ_COMMITTED (v4+)
      "00000001 0001 74", // Topics: 1; "t"
      "00000001 00000000", //   Partitions: 1; Partition 0
      "0000000000000064 00100000", //   FetchOffset 100, PartitionMaxBytes 1 MiB
    ].join(" "),
  },
  {
    api: K.Fetch,
    version: 11,
    kind: "request",
    message: {
      replicaId: -1,
      maxWaitMs: 500,
      minBytes: 1,
      maxBytes: 1048576,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [
        {
          topic: "t",
          partitions: [
            {
              partition: 0,
              currentLeaderEpoch: 3,
              fetchOffset: 100n,
              logStartOffset: -1n,
              partitionMaxBytes: 1048576,
            },
          ],
        },
      ],
      forgottenTopicsData: [],
      rackId: "",
    },
    hex: [
      "ffffffff 000001f4 00000001 00100000 00", // ReplicaId, MaxWait, MinBytes, MaxBytes, Isolation
      "00000000 ffffffff", // SessionId 0, SessionEpoch -1 (v7+)
      "00000001 0001 74 00000001 00000000", // Topics: 1; "t"; Partitions: 1; 0
      "00000003", //   CurrentLeaderEpoch 3 (v9+)
      "0000000000000064 ffffffffffffffff 00100000", //   FetchOffset, LogStartOffset -1 (v5+), max
      "00000000", // ForgottenTopicsData [] (v7+)
      "0000", // RackId "" (v11+)
    ].join(" "),
  },
  {
    api: K.Fetch,
    version: 17,
    kind: "request",
    message: {
      clusterId: "c",
      maxWaitMs: 500,
      minBytes: 1,
      maxBytes: 1048576,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [
        {
          topicId: UUID,
          partitions: [
            {
              partition: 0,
              currentLeaderEpoch: 3,
              fetchOffset: 100n,
              lastFetchedEpoch: -1,
              logStartOffset: -1n,
              partitionMaxBytes: 1048576,
            },
          ],
        },
      ],
      forgottenTopicsData: [],
      rackId: "",
    },
    hex: [
      // ReplicaId is gone (v0-14); ReplicaState (tag 1) is default: omitted.
      "000001f4 00000001 00100000 00", // MaxWaitMs, MinBytes, MaxBytes, IsolationLevel
      "00000000 ffffffff", // SessionId, SessionEpoch
      "02 0102030405060708090a0b0c0d0e0f10", // Topics: 1; TopicId (v13+ replaces the name)
      "02 00000000 00000003", //   Partitions: 1; Partition 0, CurrentLeaderEpoch 3
      "0000000000000064 ffffffff", //   FetchOffset 100, LastFetchedEpoch -1 (v12+)
      "ffffffffffffffff 00100000 00", //   LogStartOffset -1, PartitionMaxBytes, no tags
      "00", //   topic: no tags
      "01", // ForgottenTopicsData []
      "01", // RackId ""
      "01 00 02 02 63", // 1 tag: 0 ClusterId "c" (2 bytes)
    ].join(" "),
  },
  {
    api: K.Fetch,
    version: 4,
    kind: "response",
    message: {
      throttleTimeMs: 0,
      responses: [
        {
          topic: "t",
          partitions: [
            {
              partitionIndex: 0,
              errorCode: 0,
              highWatermark: 10n,
              lastStableOffset: 10n,
              abortedTransactions: [],
              records: RECORDS,
            },
          ],
        },
      ],
    },
    hex: [
      "00000000", // ThrottleTimeMs
      "00000001 0001 74 00000001", // Responses: 1; "t"; Partitions: 1
      "00000000 0000", //   PartitionIndex 0, ErrorCode 0
      "000000000000000a 000000000000000a", //   HighWatermark 10, LastStableOffset 10 (v4+)
      "00000000", //   AbortedTransactions [] (v4+)
      "00000003 010203", //   Records
    ].join(" "),
  },
  {
    api: K.Fetch,
    version: 11,
    kind: "response",
    message: {
      throttleTimeMs: 0,
      errorCode: 0,
      sessionId: 123,
      responses: [
        {
          topic: "t",
          partitions: [
            {
              partitionIndex: 0,
              errorCode: 0,
              highWatermark: 10n,
              lastStableOffset: 10n,
              logStartOffset: 0n,
              abortedTransactions: null,
              preferredReadReplica: -1,
              records: null,
            },
          ],
        },
      ],
    },
    hex: [
      "00000000 0000 0000007b", // ThrottleTimeMs, ErrorCode, SessionId 123 (v7+)
      "00000001 0001 74 00000001 00000000 0000", // Responses: 1; "t"; Partitions: 1; 0; 0
      "000000000000000a 000000000000000a 0000000000000000", //   HW, LSO, LogStartOffset (v5+)
      "ffffffff", //   AbortedTransactions null
      "ffffffff", //   PreferredReadReplica -1 (v11+)
      "ffffffff", //   Records null
    ].join(" "),
  },
  {
    api: K.Fetch,
    version: 17,
    kind: "response",
    message: {
      throttleTimeMs: 0,
      errorCode: 0,
      sessionId: 0,
      responses: [
        {
          topicId: UUID,
          partitions: [
            {
              partitionIndex: 0,
              errorCode: 0,
              highWatermark: 10n,
              lastStableOffset: 10n,
              logStartOffset: 0n,
              currentLeader: { leaderId: 1, leaderEpoch: 3 },
              abortedTransactions: [{ producerId: 7n, firstOffset: 5n }],
              preferredReadReplica: -1,
              records: RECORDS,
            },
          ],
        },
      ],
    },
    hex: [
      "00000000 0000 00000000", // ThrottleTimeMs, ErrorCode, SessionId
      "02 0102030405060708090a0b0c0d0e0f10", // Responses: 1; TopicId
      "02 00000000 0000", //   Partitions: 1; PartitionIndex 0, ErrorCode 0
      "000000000000000a 000000000000000a 0000000000000000", //   HW, LSO, LogStartOffset
      "02 0000000000000007 0000000000000005 00", //   AbortedTransactions [{7, 5}]
      "ffffffff", //   PreferredReadReplica -1
      "04 010203", //   Records (compact)
      "01 01 09 00000001 00000003 00", //   1 tag: 1 CurrentLeader {1, 3} (9 bytes)
      "00", //   topic: no tags
      "00", // no tagged fields (NodeEndpoints empty)
    ].join(" "),
  },
];

const clean = (h: string) => h.replace(/\s+/g, "");

describe("hand-written golden bytes", () => {
  for (const g of goldens) {
    const info = API_TABLE[g.api];
    test(`${info.name} ${g.kind} v${g.version}`, () => {
      const w = new Writer();
      const encode = (g.kind === "request" ? info.encodeRequest : info.encodeResponse) as (
        w: Writer,
        m: unknown,
        v: number,
      ) => void;
      const decode = (g.kind === "request" ? info.decodeRequest : info.decodeResponse) as (
        r: Reader,
        v: number,
      ) => unknown;
      encode(w, g.message, g.version);
      const bytes = w.finish();
      expect(Buffer.from(bytes).toString("hex")).toBe(clean(g.hex));
      const r = new Reader(bytes);
      const decoded = decode(r, g.version);
      expect(r.remaining).toBe(0);
      expect(decoded).toMatchObject(g.message);
      encode(w, decoded, g.version);
      expect(w.finish()).toEqual(bytes);
    });
  }

  test("covers old, middle and newest versions of each API in both directions", () => {
    for (const api of [K.ApiVersions, K.Metadata, K.Produce, K.Fetch]) {
      for (const kind of ["request", "response"] as const) {
        const vs = goldens.filter((g) => g.api === api && g.kind === kind).map((g) => g.version);
        expect(vs.length).toBe(3);
        expect(Math.max(...vs)).toBe(API_TABLE[api].maxVersion);
      }
    }
  });
});
