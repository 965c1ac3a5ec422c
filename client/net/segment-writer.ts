/**
 * A request Writer that can leave large byte fields where they are. While `referencing` runs
 * an encoder, a byte array of at least `minBytes` (a Produce request's record batch) is not
 * copied into the writer: its length prefix is written as usual and the array is kept as a
 * segment at that offset. The connection then writes the frame as pieces, writer ranges and
 * the arrays in between, so a 1 MiB batch goes from the batch buffer to the socket without a
 * copy into the request buffer first (which was ≈ 1 MB of memcpy per request).
 *
 * The bytes on the wire are exactly those a plain Writer would produce. Only top-level byte
 * fields are referenced: inside a tagged field the size is computed from the writer's offset
 * afterwards, so there the bytes are copied as usual.
 */
import { Writer } from "../../protocol/codec/writer.ts";

/** Below this, copying is cheaper than the extra socket write a separate piece costs. */
export const SEGMENT_MIN_BYTES = 64 * 1024;

export class SegmentWriter extends Writer {
  readonly #minBytes: number;
  #referencing = false;
  #taggedDepth = 0;
  /** Referenced arrays, in order, and the writer offset each one belongs at. */
  readonly #segments: Uint8Array[] = [];
  readonly #at: number[] = [];
  #segmentBytes = 0;

  constructor(initialCapacity = 1024, minBytes = SEGMENT_MIN_BYTES) {
    super(initialCapacity);
    this.#minBytes = minBytes;
  }

  /** Bytes of the whole message: the writer's own plus the referenced arrays. */
  get totalLength(): number {
    return this.offset + this.#segmentBytes;
  }

  /** Number of arrays referenced instead of copied since the last reset. */
  get segmentCount(): number {
    return this.#segments.length;
  }

  override reset(): this {
    super.reset();
    this.#segments.length = 0;
    this.#at.length = 0;
    this.#segmentBytes = 0;
    return this;
  }

  /** Runs `encode` with large byte fields referenced rather than copied. */
  referencing(encode: () => void): void {
    this.#referencing = true;
    try {
      encode();
    } finally {
      this.#referencing = false;
    }
  }

  override raw(v: Uint8Array): void {
    if (this.#referencing && this.#taggedDepth === 0 && v.length >= this.#minBytes) {
      this.#segments.push(v);
      this.#at.push(this.offset);
      this.#segmentBytes += v.length;
      return;
    }
    super.raw(v);
  }

  override beginTaggedField(tag: number): number {
    this.#taggedDepth++;
    return super.beginTaggedField(tag);
  }

  override endTaggedField(mark: number): void {
    super.endTaggedField(mark);
    this.#taggedDepth--;
  }

  /**
   * The message in order as views: writer ranges and referenced arrays (valid until the
   * writer is written to or reset, and while the referenced arrays are left unchanged).
   */
  pieces(): Uint8Array[] {
    const buf = this.buffer;
    const out: Uint8Array[] = [];
    let from = 0;
    for (let i = 0; i < this.#segments.length; i++) {
      const at = this.#at[i]!;
      if (at > from) out.push(buf.subarray(from, at));
      out.push(this.#segments[i]!);
      from = at;
    }
    if (this.offset > from) out.push(buf.subarray(from, this.offset));
    return out;
  }
}
