import { describe, expect, test } from "bun:test";
import { silentLogger } from "../../../../broker/logger.ts";
import { Connection, type ConnectionOptions } from "../../../../broker/network/connection.ts";
import type { ConnectionIo, FrameOutcome } from "../../../../broker/network/transport.ts";
import { ManualClock } from "../../../../storage/testing/manual-clock.ts";

function sized(body: number[]): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setInt32(0, body.length);
  out.set(body, 4);
  return out;
}

class FakeSocket implements ConnectionIo {
  readonly remote = "test:1";
  written: number[] = [];
  /** How many bytes the "kernel" accepts before the client reads (Infinity: all). */
  room = Number.POSITIVE_INFINITY;
  paused = false;
  closed = false;
  write(bytes: Uint8Array): number {
    const n = Math.min(bytes.length, this.room);
    this.room -= n;
    this.written.push(...bytes.subarray(0, n));
    return n;
  }
  pauseReading(): void {
    this.paused = true;
  }
  resumeReading(): void {
    this.paused = false;
  }
  close(): void {
    this.closed = true;
  }
}

const options: ConnectionOptions = {
  maxFrameBytes: 1024,
  maxInFlight: 4,
  maxQueuedWriteBytes: 8,
  idleTimeoutMs: 1000,
};

/** A handler whose answers the test releases one by one, echoing the frame's first byte. */
function deferredHandler() {
  const pending: { frame: Uint8Array; resolve: (o: FrameOutcome) => void }[] = [];
  const handler = (frame: Uint8Array) =>
    new Promise<FrameOutcome>((resolve) => pending.push({ frame, resolve }));
  const answer = (index: number) => {
    const p = pending[index]!;
    p.resolve({ kind: "response", frame: new Uint8Array([p.frame[0]!]) });
  };
  return { handler, pending, answer };
}

describe("Connection", () => {
  test("responses leave in request order even when handlers finish out of order", async () => {
    const socket = new FakeSocket();
    const { handler, answer } = deferredHandler();
    const c = new Connection(1, socket, handler, new ManualClock(), silentLogger, options);
    c.onData(new Uint8Array([...sized([1]), ...sized([2]), ...sized([3])]));
    answer(2);
    answer(1);
    await Bun.sleep(0);
    expect(socket.written).toEqual([]);
    answer(0);
    await Bun.sleep(0);
    expect(socket.written).toEqual([1, 2, 3]);
  });

  test("the in-flight limit holds requests back and pauses reading until answers go out", async () => {
    const socket = new FakeSocket();
    const { handler, pending, answer } = deferredHandler();
    const c = new Connection(1, socket, handler, new ManualClock(), silentLogger, options);
    c.onData(new Uint8Array([1, 2, 3, 4, 5, 6].flatMap((b) => [...sized([b])])));
    expect(pending.length).toBe(4);
    expect(socket.paused).toBe(true);
    for (let i = 0; i < 4; i++) answer(i);
    await Bun.sleep(0);
    expect(pending.length).toBe(6);
    answer(4);
    answer(5);
    await Bun.sleep(0);
    expect(socket.written).toEqual([1, 2, 3, 4, 5, 6]);
    expect(socket.paused).toBe(false);
  });

  test("a client that does not read stops dispatch; draining resumes it", () => {
    const socket = new FakeSocket();
    socket.room = 0;
    let calls = 0;
    const big = (): FrameOutcome => {
      calls++;
      return { kind: "response", frame: new Uint8Array(10) };
    };
    const c = new Connection(1, socket, big, new ManualClock(), silentLogger, options);
    c.onData(new Uint8Array([...sized([1]), ...sized([2]), ...sized([3])]));
    expect(calls).toBe(1);
    expect(socket.paused).toBe(true);
    socket.room = Number.POSITIVE_INFINITY;
    c.onDrain();
    expect(calls).toBe(3);
    expect(socket.written.length).toBe(30);
    expect(socket.paused).toBe(false);
  });

  test("acks=0 style requests produce no bytes but keep later responses in order", () => {
    const socket = new FakeSocket();
    const outcomes: FrameOutcome[] = [
      { kind: "none" },
      { kind: "response", frame: new Uint8Array([9]) },
    ];
    const c = new Connection(
      1,
      socket,
      () => outcomes.shift()!,
      new ManualClock(),
      silentLogger,
      options,
    );
    c.onData(new Uint8Array([...sized([1]), ...sized([2])]));
    expect(socket.written).toEqual([9]);
  });

  test("an oversized frame closes the connection without calling the handler", () => {
    const socket = new FakeSocket();
    const c = new Connection(
      1,
      socket,
      () => ({ kind: "none" }),
      new ManualClock(),
      silentLogger,
      options,
    );
    c.onData(new Uint8Array([0x7f, 0xff, 0xff, 0xff]));
    expect(socket.closed).toBe(true);
    expect(c.isClosed).toBe(true);
  });

  test("a close outcome writes earlier responses first", () => {
    const socket = new FakeSocket();
    const outcomes: FrameOutcome[] = [
      { kind: "response", frame: new Uint8Array([7]) },
      { kind: "close", reason: "garbage" },
      { kind: "response", frame: new Uint8Array([8]) },
    ];
    const c = new Connection(
      1,
      socket,
      () => outcomes.shift()!,
      new ManualClock(),
      silentLogger,
      options,
    );
    c.onData(new Uint8Array([...sized([1]), ...sized([2]), ...sized([3])]));
    expect(socket.written).toEqual([7]);
    expect(socket.closed).toBe(true);
  });

  test("an idle connection is closed after connections_max_idle_ms, a busy one is not", () => {
    const clock = new ManualClock();
    const socket = new FakeSocket();
    const { handler, answer } = deferredHandler();
    const c = new Connection(1, socket, handler, clock, silentLogger, options);
    c.onData(sized([1]));
    clock.advance(5000);
    expect(socket.closed).toBe(false);
    answer(0);
    return Bun.sleep(0).then(() => {
      clock.advance(999);
      expect(socket.closed).toBe(false);
      clock.advance(2);
      expect(socket.closed).toBe(true);
    });
  });
});
