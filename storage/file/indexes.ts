/**
 * The sparse per-segment indexes, in memory as typed arrays and on disk in Kafka's
 * formats (big-endian):
 *   .index      relativeOffset int32 | position int32            (8 bytes per entry)
 *   .timeindex  timestamp int64 | relativeOffset int32             (12 bytes per entry)
 * An entry is added every index.interval.bytes of appended data. The active segment's
 * files are written when it is rolled or the log is closed cleanly; after a crash the
 * tail segment is scanned and its indexes rebuilt, so they are never trusted half-written.
 */
import { assert } from "../assert.ts";

export class OffsetIndex {
  private rel = new Int32Array(16);
  private pos = new Int32Array(16);
  count = 0;

  append(relativeOffset: number, position: number): void {
    const n = this.count;
    if (n > 0) {
      assert(relativeOffset > this.rel[n - 1]!, "offset index: offsets only grow");
      assert(position > this.pos[n - 1]!, "offset index: positions only grow");
    }
    if (n === this.rel.length) {
      this.rel = grow(this.rel);
      this.pos = grow(this.pos);
    }
    this.rel[n] = relativeOffset;
    this.pos[n] = position;
    this.count = n + 1;
  }

  /** Position of the last entry whose offset is ≤ `relativeOffset`; 0 when none. */
  lookup(relativeOffset: number): number {
    const i = lastAtOrBelow(this.rel, this.count, relativeOffset);
    return i < 0 ? 0 : this.pos[i]!;
  }

  lastPosition(): number {
    return this.count === 0 ? 0 : this.pos[this.count - 1]!;
  }

  /** Drops entries at or after byte `position` (segment truncation). */
  truncateToPosition(position: number): void {
    while (this.count > 0 && this.pos[this.count - 1]! >= position) this.count--;
  }

  encode(): Uint8Array {
    const out = new Uint8Array(this.count * 8);
    const view = new DataView(out.buffer);
    for (let i = 0; i < this.count; i++) {
      view.setInt32(i * 8, this.rel[i]!);
      view.setInt32(i * 8 + 4, this.pos[i]!);
    }
    return out;
  }

  /** Parses an index file; null when it is not sane for a segment of `segmentSize` bytes. */
  static decode(bytes: Uint8Array, segmentSize: number): OffsetIndex | null {
    if (bytes.length % 8 !== 0) return null;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const index = new OffsetIndex();
    let lastRel = -1;
    let lastPos = -1;
    for (let p = 0; p < bytes.length; p += 8) {
      const rel = view.getInt32(p);
      const pos = view.getInt32(p + 4);
      if (rel <= lastRel || pos <= lastPos || pos >= segmentSize) return null;
      index.append(rel, pos);
      lastRel = rel;
      lastPos = pos;
    }
    return index;
  }
}

export class TimeIndex {
  private ts = new Float64Array(16);
  private rel = new Int32Array(16);
  count = 0;

  /** Adds an entry only when `timestamp` is newer than the last one (Kafka's maybeAppend). */
  maybeAppend(timestamp: number, relativeOffset: number): void {
    const n = this.count;
    if (n > 0 && timestamp <= this.ts[n - 1]!) return;
    if (n > 0 && relativeOffset < this.rel[n - 1]!) return;
    if (n === this.ts.length) {
      this.ts = grow(this.ts);
      this.rel = grow(this.rel);
    }
    this.ts[n] = timestamp;
    this.rel[n] = relativeOffset;
    this.count = n + 1;
  }

  /**
   * Relative offset to start a search for the first record with timestamp ≥ `target`:
   * the entry with the largest timestamp strictly below it (every batch before that
   * entry's batch is older than the target), or 0.
   */
  lookup(target: number): number {
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ts[mid]! < target) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? 0 : this.rel[found]!;
  }

  lastTimestamp(): number {
    return this.count === 0 ? -1 : this.ts[this.count - 1]!;
  }

  lastRelativeOffset(): number {
    return this.count === 0 ? 0 : this.rel[this.count - 1]!;
  }

  truncateToOffset(relativeOffset: number): void {
    while (this.count > 0 && this.rel[this.count - 1]! >= relativeOffset) this.count--;
  }

  encode(): Uint8Array {
    const out = new Uint8Array(this.count * 12);
    const view = new DataView(out.buffer);
    for (let i = 0; i < this.count; i++) {
      const t = this.ts[i]!;
      view.setInt32(i * 12, Math.floor(t / 0x1_0000_0000));
      view.setUint32(i * 12 + 4, t >>> 0);
      view.setInt32(i * 12 + 8, this.rel[i]!);
    }
    return out;
  }

  static decode(bytes: Uint8Array): TimeIndex | null {
    if (bytes.length % 12 !== 0) return null;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const index = new TimeIndex();
    for (let p = 0; p < bytes.length; p += 12) {
      const t = view.getInt32(p) * 0x1_0000_0000 + view.getUint32(p + 4);
      const rel = view.getInt32(p + 8);
      if (!Number.isSafeInteger(t) || rel < 0) return null;
      if (index.count > 0 && (t <= index.lastTimestamp() || rel < index.rel[index.count - 1]!)) {
        return null;
      }
      index.maybeAppend(t, rel);
    }
    return index;
  }
}

function lastAtOrBelow(values: Int32Array, count: number, target: number): number {
  let lo = 0;
  let hi = count - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! <= target) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

function grow<T extends Int32Array | Float64Array>(a: T): T {
  const b = new (a.constructor as new (n: number) => T)(a.length * 2);
  b.set(a);
  return b;
}
