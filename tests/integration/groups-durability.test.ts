/**
 * "A commit is durable when acknowledged": offsets and group state answered to a client
 * survive SIGKILL of the broker right after the answer.
 */
import { afterAll, expect, test } from "bun:test";
import { ApiKey } from "../../protocol/messages/generated/apis.ts";
import { type BrokerProcess, removeDir, startBrokerProcess } from "../helpers/broker-process.ts";
import { request } from "../helpers/kafka-request.ts";
import { connectRaw } from "../helpers/raw-client.ts";

let broker: BrokerProcess | null = null;

afterAll(async () => {
  if (!broker) return;
  await broker.stop();
  removeDir(broker.dataDir);
});

test("acknowledged offset commits and a completed rebalance survive kill -9 of the broker", async () => {
  broker = await startBrokerProcess({ env: { DATACORE_GROUP_INITIAL_REBALANCE_DELAY_MS: "0" } });
  let raw = await connectRaw(broker.port);
  const join = await request(raw, ApiKey.JoinGroup, 4, {
    groupId: "durable",
    sessionTimeoutMs: 30_000,
    rebalanceTimeoutMs: 30_000,
    memberId: "",
    protocolType: "consumer",
    protocols: [{ name: "range", metadata: new Uint8Array([0, 1]) }],
  });
  const joined = await request(raw, ApiKey.JoinGroup, 4, {
    groupId: "durable",
    sessionTimeoutMs: 30_000,
    rebalanceTimeoutMs: 30_000,
    memberId: join.memberId,
    protocolType: "consumer",
    protocols: [{ name: "range", metadata: new Uint8Array([0, 1]) }],
  });
  const sync = await request(raw, ApiKey.SyncGroup, 3, {
    groupId: "durable",
    generationId: joined.generationId,
    memberId: joined.memberId,
    assignments: [{ memberId: joined.memberId, assignment: new Uint8Array([7, 7, 7]) }],
  });
  expect(sync.errorCode).toBe(0);
  // 40 commits, each acknowledged before the next; the last one right before the kill.
  for (let i = 0; i < 40; i++) {
    const r = await request(raw, ApiKey.OffsetCommit, 8, {
      groupId: "durable",
      generationIdOrMemberEpoch: joined.generationId,
      memberId: joined.memberId,
      topics: [
        {
          name: "t",
          partitions: [
            {
              partitionIndex: i % 8,
              committedOffset: BigInt(1000 + i),
              committedMetadata: `m${i}`,
            },
          ],
        },
      ],
    });
    expect(r.topics[0]!.partitions[0]!.errorCode).toBe(0);
  }
  raw.end();
  const dataDir = broker.dataDir;
  await broker.kill();
  broker = await startBrokerProcess({ dataDir });
  raw = await connectRaw(broker.port);
  const fetched = await request(raw, ApiKey.OffsetFetch, 8, {
    groups: [{ groupId: "durable", topics: null }],
  });
  const offsets = fetched.groups[0]!.topics[0]!.partitions.map((p) => [
    p.partitionIndex,
    Number(p.committedOffset),
    p.metadata,
  ]);
  expect(offsets).toEqual(Array.from({ length: 8 }, (_, p) => [p, 1032 + p, `m${32 + p}`]));
  const described = await request(raw, ApiKey.DescribeGroups, 4, { groups: ["durable"] });
  const g = described.groups[0]!;
  expect([g.groupState, g.protocolData, g.members.map((m) => m.memberId)]).toEqual([
    "Stable",
    "range",
    [joined.memberId],
  ]);
  expect([...g.members[0]!.memberAssignment]).toEqual([7, 7, 7]);
  const hb = await request(raw, ApiKey.Heartbeat, 3, {
    groupId: "durable",
    generationId: joined.generationId,
    memberId: joined.memberId,
  });
  expect(hb.errorCode).toBe(0);
  raw.end();
}, 60_000);
