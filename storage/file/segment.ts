/**
 * One segment of a file log: `<base>.log` plus its in-memory indexes and statistics.
 * `size` counts bytes whose write completed; readers never look past it. A segment that
 * leaves the log (retention, truncation, compaction swap) is retired: its file handle is
 * closed once the last in-flight read releases it.
 */

import type { AbortedTransaction } from "../engine.ts";
import { type DiskFile, type FileSystem, joinPath } from "../fs.ts";
import { offsetFileStem } from "../offset.ts";
import { OffsetIndex, TimeIndex } from "./indexes.ts";

export class Segment {
  index = new OffsetIndex();
  timeIndex = new TimeIndex();
  /** Bytes of whole batches written. */
  size = 0;
  /**
   * Bytes the file holds on disk: `size` plus any zero-filled reserve written ahead of
   * the data (see FileLog's RESERVE_BYTES). Never below `size`.
   */
  fileLength = 0;
  /** Offset after the last batch (baseOffset when empty). */
  endOffset: number;
  maxTimestamp = -1;
  offsetOfMaxTimestamp = -1;
  bytesSinceIndexEntry = 0;
  readers = 0;
  retired = false;
  /** Aborted transactions whose marker is in this segment (its .txnindex). */
  aborted: AbortedTransaction[] = [];
  private closePending = false;

  constructor(
    readonly baseOffset: number,
    readonly dir: string,
    public file: DiskFile,
    /** Clock time the segment was created (or opened), for segment.ms. */
    readonly createdMs: number,
  ) {
    this.endOffset = baseOffset;
  }

  get logPath(): string {
    return segmentPath(this.dir, this.baseOffset, ".log");
  }
  get indexPath(): string {
    return segmentPath(this.dir, this.baseOffset, ".index");
  }
  get timeIndexPath(): string {
    return segmentPath(this.dir, this.baseOffset, ".timeindex");
  }
  get txnIndexPath(): string {
    return segmentPath(this.dir, this.baseOffset, ".txnindex");
  }

  /** Accounts for one batch written at `position` (Kafka's LogSegment.append bookkeeping). */
  noteBatch(
    position: number,
    size: number,
    baseOffset: number,
    lastOffset: number,
    maxTimestamp: number,
    indexIntervalBytes: number,
  ): void {
    if (maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = maxTimestamp;
      this.offsetOfMaxTimestamp = baseOffset;
    }
    if (this.bytesSinceIndexEntry > indexIntervalBytes) {
      this.index.append(baseOffset - this.baseOffset, position);
      this.sealTimeIndex();
      this.bytesSinceIndexEntry = 0;
    }
    this.bytesSinceIndexEntry += size;
    this.size = position + size;
    if (this.size > this.fileLength) this.fileLength = this.size;
    this.endOffset = lastOffset + 1;
  }

  /** Final time index entry when the segment stops being active (Kafka does the same). */
  sealTimeIndex(): void {
    if (this.maxTimestamp >= 0) {
      this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp - this.baseOffset);
    }
  }

  /** Cuts the reserve off, so a sealed or cleanly closed segment ends at its last batch. */
  async dropReserve(): Promise<void> {
    if (this.fileLength <= this.size) return;
    await this.file.truncate(this.size);
    this.fileLength = this.size;
  }

  resetStats(): void {
    this.index = new OffsetIndex();
    this.timeIndex = new TimeIndex();
    this.size = 0;
    this.fileLength = 0;
    this.endOffset = this.baseOffset;
    this.maxTimestamp = -1;
    this.offsetOfMaxTimestamp = -1;
    this.bytesSinceIndexEntry = 0;
  }

  /** Writes .index and .timeindex (rebuildable, so a plain write + fdatasync). */
  async writeIndexFiles(fs: FileSystem): Promise<void> {
    await writeWhole(fs, this.indexPath, this.index.encode());
    await writeWhole(fs, this.timeIndexPath, this.timeIndex.encode());
  }

  pin(): void {
    this.readers++;
  }

  async release(): Promise<void> {
    this.readers--;
    if (this.readers === 0 && this.closePending) {
      this.closePending = false;
      await this.file.close();
    }
  }

  /** Leaves the log: close now, or when the last reader releases. */
  async retire(): Promise<void> {
    if (this.retired) return;
    this.retired = true;
    if (this.readers > 0) this.closePending = true;
    else await this.file.close();
  }
}

export function segmentPath(dir: string, baseOffset: number, suffix: string): string {
  return joinPath(dir, `${offsetFileStem(baseOffset)}${suffix}`);
}

async function writeWhole(fs: FileSystem, path: string, bytes: Uint8Array): Promise<void> {
  const file = await fs.open(path, "readwrite");
  try {
    await file.truncate(0);
    await file.write([bytes], 0);
    await file.datasync();
  } finally {
    await file.close();
  }
}
