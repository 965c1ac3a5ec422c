/**
 * A bare TCP client for speaking raw bytes to a broker: send anything (including garbage)
 * and read size-prefixed frames back, or learn that the broker closed the connection.
 */
import type { Socket } from "bun";

export interface RawClient {
  send(bytes: Uint8Array): void;
  /** Next response frame (without its size prefix), or null if the connection closed first. */
  nextFrame(timeoutMs?: number): Promise<Uint8Array | null>;
  /** Resolves true once the broker has closed the connection (false on timeout). */
  closed(timeoutMs?: number): Promise<boolean>;
  end(): void;
}

export async function connectRaw(port: number, host = "127.0.0.1"): Promise<RawClient> {
  let buffer = new Uint8Array(0);
  let isClosed = false;
  const waiters: (() => void)[] = [];
  const notify = () => {
    for (const w of waiters.splice(0)) w();
  };
  const socket: Socket<undefined> = await Bun.connect({
    hostname: host,
    port,
    socket: {
      data(_s, chunk) {
        const next = new Uint8Array(buffer.length + chunk.length);
        next.set(buffer);
        next.set(chunk, buffer.length);
        buffer = next;
        notify();
      },
      close() {
        isClosed = true;
        notify();
      },
      error() {
        isClosed = true;
        notify();
      },
    },
  });
  const wait = (timeoutMs: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  return {
    send: (bytes) => {
      socket.write(bytes);
      socket.flush();
    },
    async nextFrame(timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (buffer.length >= 4) {
          const size = new DataView(buffer.buffer, buffer.byteOffset).getInt32(0);
          if (buffer.length >= 4 + size) {
            const frame = buffer.slice(4, 4 + size);
            buffer = buffer.slice(4 + size);
            return frame;
          }
        }
        if (isClosed || Date.now() >= deadline) return null;
        await wait(deadline - Date.now());
      }
    },
    async closed(timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (!isClosed && Date.now() < deadline) await wait(deadline - Date.now());
      return isClosed;
    },
    end: () => socket.end(),
  };
}

/** A size-prefixed frame around `body`. */
export function sized(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setInt32(0, body.length);
  out.set(body, 4);
  return out;
}
