import { describe, expect, test } from "bun:test";
import { FetchSession } from "../../../../client/consumer/fetch-session.ts";

const w = (partition: number, fetchOffset: number) => ({
  topic: "t",
  partition,
  fetchOffset,
  maxBytes: 1000,
});

describe("incremental fetch session (KIP-227)", () => {
  test("the first request is full with epoch 0; then only changed partitions are sent", () => {
    const s = new FetchSession();
    const first = s.build([w(0, 0), w(1, 0)], true);
    expect(first).toMatchObject({ sessionId: 0, sessionEpoch: 0, full: true });
    expect(first.partitions.length).toBe(2);
    s.acknowledge(77);
    const second = s.build([w(0, 10), w(1, 0)], true);
    expect(second).toMatchObject({ sessionId: 77, sessionEpoch: 1, full: false });
    expect(second.partitions).toEqual([w(0, 10)]);
    s.acknowledge(77);
    expect(s.build([w(0, 10), w(1, 0)], true)).toMatchObject({ sessionEpoch: 2, partitions: [] });
  });

  test("a partition no longer wanted is listed as forgotten", () => {
    const s = new FetchSession();
    s.build([w(0, 0), w(1, 0)], true);
    s.acknowledge(5);
    const next = s.build([w(0, 0)], true);
    expect(next.forgotten).toEqual([{ topic: "t", partition: 1 }]);
  });

  test("a broker answering session id 0 keeps us on full requests", () => {
    const s = new FetchSession();
    s.build([w(0, 0)], true);
    s.acknowledge(0);
    expect(s.build([w(0, 3)], true)).toMatchObject({ sessionId: 0, sessionEpoch: 0, full: true });
  });

  test("reset after a session error starts over with a full request", () => {
    const s = new FetchSession();
    s.build([w(0, 0)], true);
    s.acknowledge(9);
    s.reset();
    expect(s.build([w(0, 3)], true)).toMatchObject({ sessionId: 0, sessionEpoch: 0, full: true });
  });

  test("brokers before Fetch v7 get sessionless full requests (epoch -1)", () => {
    const s = new FetchSession();
    expect(s.build([w(0, 0)], false)).toMatchObject({ sessionId: 0, sessionEpoch: -1, full: true });
  });
});
