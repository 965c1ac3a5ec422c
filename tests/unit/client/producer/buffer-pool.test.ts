import { describe, expect, test } from "bun:test";
import { BufferPool } from "../../../../client/producer/buffer-pool.ts";

describe("BufferPool: batch buffers reused by size class", () => {
  test("a buffer given back is handed out again for any size of its class", () => {
    const pool = new BufferPool(1 << 20);
    const a = pool.take(20_000);
    expect(a.length).toBe(32 * 1024);
    pool.give(a);
    expect(pool.pooledBytes).toBe(32 * 1024);
    expect(pool.take(17_000)).toBe(a);
    expect(pool.pooledBytes).toBe(0);
    // Another class is not served from it.
    pool.give(a);
    expect(pool.take(64 * 1024)).not.toBe(a);
  });

  test("it keeps no more than its bound, and nothing after clear", () => {
    const pool = new BufferPool(64 * 1024);
    const bufs = [pool.take(32 * 1024), pool.take(32 * 1024), pool.take(32 * 1024)];
    for (const b of bufs) pool.give(b);
    expect(pool.pooledBytes).toBe(64 * 1024);
    pool.clear();
    expect(pool.pooledBytes).toBe(0);
    expect(bufs).not.toContain(pool.take(32 * 1024));
  });

  test("buffers that are not a class size (an oversized record's) are not kept", () => {
    const pool = new BufferPool(1 << 20);
    pool.give(new Uint8Array(100_000));
    pool.give(new Uint8Array(1 << 16).subarray(0, 1 << 15));
    expect(pool.pooledBytes).toBe(0);
  });
});
