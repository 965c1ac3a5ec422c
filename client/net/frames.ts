/**
 * Splits the response byte stream into frames (int32 size, then that many bytes). Chunks
 * are kept by reference and only the bytes of one frame are copied, once, into a buffer of
 * exactly its size; a 10 MB fetch response arriving in 64 KB chunks is copied once.
 */
import { ClientError } from "../errors.ts";

export class FrameSplitter {
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  /** Size of the frame being assembled, or -1 while reading its prefix. */
  #size = -1;

  constructor(private readonly maxFrameBytes: number) {}

  push(chunk: Uint8Array, onFrame: (frame: Uint8Array) => void): void {
    if (chunk.length > 0) {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
    }
    for (;;) {
      if (this.#size < 0) {
        if (this.#buffered < 4) return;
        const head = this.#take(4);
        const size = (head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]! | 0;
        if (size < 0 || size > this.maxFrameBytes) {
          throw new ClientError("protocol", `response frame size ${size} out of range`);
        }
        this.#size = size;
      }
      if (this.#buffered < this.#size) return;
      const frame = this.#take(this.#size);
      this.#size = -1;
      onFrame(frame);
    }
  }

  #take(n: number): Uint8Array {
    if (n === 0) return new Uint8Array(0);
    const first = this.#chunks[0]!;
    if (first.length >= n) {
      // Fast path: the whole frame sits in one chunk; hand out a view, no copy.
      const out = first.subarray(0, n);
      if (first.length === n) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(n);
      this.#buffered -= n;
      return out;
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const c = this.#chunks[0]!;
      const k = Math.min(c.length, n - filled);
      out.set(c.subarray(0, k), filled);
      filled += k;
      if (k === c.length) this.#chunks.shift();
      else this.#chunks[0] = c.subarray(k);
    }
    this.#buffered -= n;
    return out;
  }
}
