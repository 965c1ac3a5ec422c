/**
 * BrokerConnection's in-flight limit against a loopback echo broker: requests queued past
 * the limit are all sent as slots free up, including when a request that expects no
 * response (Produce acks=0) frees its slot at once. Before the fix, one queued request
 * was sent per response received, so one queued behind an acks=0 request waited forever.
 */
import { afterAll, expect, test } from "bun:test";
import { BrokerConnection, type RequestSpec } from "../../../../client/net/connection.ts";

/** Answers every request except api key 0 (our stand-in for acks=0) with its correlation id and api key. */
const server = Bun.listen<{ buf: Uint8Array }>({
  hostname: "127.0.0.1",
  port: 0,
  socket: {
    open(s) {
      s.data = { buf: new Uint8Array(0) };
    },
    data(s, chunk) {
      const joined = new Uint8Array(s.data.buf.length + chunk.length);
      joined.set(s.data.buf);
      joined.set(chunk, s.data.buf.length);
      let pos = 0;
      const v = new DataView(joined.buffer);
      while (joined.length - pos >= 4 && joined.length - pos - 4 >= v.getInt32(pos)) {
        const size = v.getInt32(pos);
        const apiKey = v.getInt16(pos + 4);
        const correlationId = v.getInt32(pos + 8);
        pos += 4 + size;
        if (apiKey === 0) continue;
        const out = new DataView(new ArrayBuffer(12));
        out.setInt32(0, 8);
        out.setInt32(4, correlationId);
        out.setInt32(8, apiKey);
        s.write(new Uint8Array(out.buffer));
      }
      s.data.buf = joined.slice(pos);
    },
  },
});
afterAll(() => server.stop(true));

function spec(apiKey: number, expectResponse: boolean): RequestSpec<number> {
  return {
    apiKey,
    apiVersion: 0,
    requestHeaderVersion: 1,
    responseHeaderVersion: 0,
    encode: () => {},
    decode: expectResponse ? (r) => r.int32() : null,
  };
}

test("requests queued behind fire-and-forget ones are all sent and answered (maxInFlight 1)", async () => {
  const conn = await BrokerConnection.connect({
    host: "127.0.0.1",
    port: server.port,
    clientId: "queue-test",
    maxInFlight: 1,
    requestTimeoutMs: 5000,
    connectTimeoutMs: 5000,
  });
  try {
    const first = conn.request(spec(3, true));
    // Queued while `first` holds the only slot: two without a response, then two with.
    const fireAndForget = [conn.request(spec(0, false)), conn.request(spec(0, false))];
    const answered = [conn.request(spec(18, true)), conn.request(spec(19, true))];
    expect(await first).toBe(3);
    await Promise.all(fireAndForget);
    // Bounded by the request timeout: a stranded request would never even be sent.
    expect(await Promise.all(answered)).toEqual([18, 19]);
  } finally {
    conn.close();
  }
});
