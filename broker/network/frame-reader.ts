/**
 * Splits a byte stream into Kafka request frames: a big-endian int32 size, then that many
 * bytes. The size is checked against the limit BEFORE anything is allocated, so a peer
 * claiming a 2 GiB frame costs us four bytes, not two gigabytes.
 */

export type FrameError =
  | { kind: "too_large"; size: number; max: number }
  | { kind: "negative_size"; size: number };

export class FrameReader {
  /** Bytes of the 4-byte size prefix seen so far. */
  private readonly sizeBytes = new Uint8Array(4);
  private sizeFill = 0;
  /** The frame being filled, once its size is known. */
  private frame: Uint8Array | null = null;
  private frameFill = 0;

  constructor(private readonly maxFrameBytes: number) {}

  /** True while a frame is partly received (a truncated frame at close). */
  get partial(): boolean {
    return this.sizeFill > 0 || this.frame !== null;
  }

  /**
   * Consumes `chunk`, calling `onFrame` for each complete frame (a buffer the callee may
   * keep: a view into `chunk` when the frame lies within it, so `chunk` must not be reused). Returns an error as soon as a size prefix is unacceptable; the
   * rest of the chunk is then ignored, since the stream can no longer be framed.
   */
  push(chunk: Uint8Array, onFrame: (frame: Uint8Array) => void): FrameError | null {
    let pos = 0;
    while (pos < chunk.length) {
      if (this.frame === null) {
        while (this.sizeFill < 4 && pos < chunk.length)
          this.sizeBytes[this.sizeFill++] = chunk[pos++]!;
        if (this.sizeFill < 4) return null;
        const size = new DataView(this.sizeBytes.buffer).getInt32(0, false);
        this.sizeFill = 0;
        if (size < 0) return { kind: "negative_size", size };
        if (size > this.maxFrameBytes) return { kind: "too_large", size, max: this.maxFrameBytes };
        if (size === 0) {
          onFrame(new Uint8Array(0));
          continue;
        }
        if (chunk.length - pos >= size) {
          // The whole frame is in this chunk: hand out a view, no allocation or copy.
          // Sockets deliver each chunk in a buffer of its own (never reused), so the
          // view stays valid for as long as the callee keeps it.
          onFrame(chunk.subarray(pos, pos + size));
          pos += size;
          continue;
        }
        this.frame = new Uint8Array(size);
        this.frameFill = 0;
      }
      const take = Math.min(this.frame.length - this.frameFill, chunk.length - pos);
      this.frame.set(chunk.subarray(pos, pos + take), this.frameFill);
      this.frameFill += take;
      pos += take;
      if (this.frameFill === this.frame.length) {
        const done = this.frame;
        this.frame = null;
        onFrame(done);
      }
    }
    return null;
  }
}
