/**
 * Produce requests whose batches the connection writes by reference (not copied into the
 * request buffer) reach the broker byte for byte as the plain encoding, also when the
 * socket pushes back and the rest waits in the backlog, and also when the caller reuses the
 * batch buffers as soon as `request` returns (acks=0 completes at once, and the producer
 * then hands the buffers to new batches).
 */
import { afterAll, expect, test } from "bun:test";
import { Apis } from "../../../../client/net/apis.ts";
import { BrokerConnection, type RequestSpec } from "../../../../client/net/connection.ts";
import { Writer } from "../../../../protocol/codec/writer.ts";

/** Keeps every request body (after the size prefix); answers those with apiVersion ≠ 0. */
const received: Uint8Array[] = [];
const server = Bun.listen<{ buf: Uint8Array; len: number }>({
  hostname: "127.0.0.1",
  port: 0,
  socket: {
    open(s) {
      s.data = { buf: new Uint8Array(1 << 20), len: 0 };
    },
    data(s, chunk) {
      const st = s.data;
      if (st.len + chunk.length > st.buf.length) {
        const next = new Uint8Array(Math.max(st.buf.length * 2, st.len + chunk.length));
        next.set(st.buf.subarray(0, st.len));
        st.buf = next;
      }
      st.buf.set(chunk, st.len);
      st.len += chunk.length;
      let pos = 0;
      const v = new DataView(st.buf.buffer);
      while (st.len - pos >= 4 && st.len - pos - 4 >= v.getInt32(pos)) {
        const size = v.getInt32(pos);
        const body = st.buf.slice(pos + 4, pos + 4 + size);
        received.push(body);
        pos += 4 + size;
        const bv = new DataView(body.buffer);
        if (bv.getInt16(2) === 0) continue;
        const out = new DataView(new ArrayBuffer(12));
        out.setInt32(0, 8);
        out.setInt32(4, bv.getInt32(4)); // correlation id
        out.setInt32(8, size);
        s.write(new Uint8Array(out.buffer));
      }
      st.buf.copyWithin(0, pos, st.len);
      st.len -= pos;
    },
  },
});
afterAll(() => server.stop(true));

const MiB = 1024 * 1024;

function batches(seed: number): Uint8Array[] {
  return [MiB, MiB + 3, 200 * 1024].map((n, k) => {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i += 61) b[i] = (i + seed * 7 + k) & 0xff;
    return b;
  });
}

function message(records: Uint8Array[]) {
  return {
    transactionalId: null,
    acks: 0,
    timeoutMs: 1000,
    topicData: [
      {
        name: "t",
        partitionData: records.map((r, index) => ({ index, records: r })),
      },
    ],
  };
}

function spec(records: Uint8Array[], answered: boolean): RequestSpec<number> {
  const m = message(records);
  return {
    apiKey: 0,
    apiVersion: answered ? 9 : 0,
    requestHeaderVersion: 2,
    responseHeaderVersion: 0,
    // Same encoding at both versions; the version only tells the server whether to answer.
    encode: (w) => Apis.Produce.encode(w, m, 9),
    decode: answered ? (r) => r.int32() : null,
  };
}

/** The request body a plain Writer produces (after the 4-byte size). */
function expectedBody(
  records: Uint8Array[],
  correlationId: number,
  apiVersion: number,
): Uint8Array {
  const w = new Writer(1024);
  w.int16(0);
  w.int16(apiVersion);
  w.int32(correlationId);
  w.nullableString("seg-test");
  w.uvarint(0);
  Apis.Produce.encode(w, message(records), 9);
  return w.finish();
}

test("by-reference Produce frames arrive intact through backpressure, even if the batches are reused at once", async () => {
  const conn = await BrokerConnection.connect({
    host: "127.0.0.1",
    port: server.port,
    clientId: "seg-test",
    maxInFlight: 100,
    requestTimeoutMs: 10_000,
    connectTimeoutMs: 5000,
  });
  try {
    const expected: Uint8Array[] = [];
    const sends: Promise<unknown>[] = [];
    // 24 × 2.2 MB in one synchronous run: far more than the socket buffers take, so most of
    // it goes through the backlog.
    for (let i = 0; i < 24; i++) {
      const records = batches(i);
      const answered = i === 23;
      expected.push(expectedBody(records, i + 1, answered ? 9 : 0));
      sends.push(conn.request(spec(records, answered)));
      // As the producer does once an acks=0 request is sent: the buffers hold new batches.
      for (const r of records) r.fill(0xee);
    }
    await Promise.all(sends);
    expect(await sends[23]).toBe(expected[23]!.length);
    expect(received).toHaveLength(24);
    for (let i = 0; i < 24; i++) {
      const got = received[i]!;
      const want = expected[i]!;
      expect(got.length).toBe(want.length);
      expect(Buffer.compare(got, want)).toBe(0);
    }
  } finally {
    conn.close();
  }
});
