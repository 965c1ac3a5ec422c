/**
 * Leader epoch → start offset (KIP-101/KIP-279), as Kafka's LeaderEpochFileCache keeps
 * it, with its text checkpoint format:
 *   0            (version)
 *   N            (entry count)
 *   epoch startOffset   × N
 */
import { assert } from "./assert.ts";
import type { EpochEndOffset, EpochEntry } from "./engine.ts";
import { type Offset, toOffset } from "./offset.ts";

export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1;

export class LeaderEpochCache {
  private entries: EpochEntry[] = [];

  constructor(entries: readonly EpochEntry[] = []) {
    for (const e of entries) this.assign(e.epoch, e.startOffset);
  }

  list(): readonly EpochEntry[] {
    return this.entries;
  }

  latestEpoch(): number | null {
    return this.entries.at(-1)?.epoch ?? null;
  }

  /**
   * Adds `epoch` starting at `startOffset`. Returns false when nothing changed. Like
   * Kafka, an entry that is not newer in both epoch and offset replaces the entries it
   * conflicts with (they describe a history that was truncated away).
   */
  assign(epoch: number, startOffset: Offset): boolean {
    assert(Number.isInteger(epoch) && epoch >= 0, `leader epoch ${epoch}`);
    const last = this.entries.at(-1);
    if (last !== undefined && last.epoch === epoch && last.startOffset <= startOffset) return false;
    this.entries = this.entries.filter((e) => e.epoch < epoch && e.startOffset < startOffset);
    this.entries.push({ epoch, startOffset });
    return true;
  }

  /** OffsetForLeaderEpoch, exactly as Kafka's LeaderEpochFileCache.endOffsetFor. */
  endOffsetFor(epoch: number, logEndOffset: Offset): EpochEndOffset {
    const undefinedAnswer = { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    if (epoch === UNDEFINED_EPOCH || this.entries.length === 0) return undefinedAnswer;
    if (epoch === this.latestEpoch()) return { epoch, endOffset: logEndOffset };
    const higher = this.entries.find((e) => e.epoch > epoch);
    if (higher === undefined) return undefinedAnswer;
    let floor: EpochEntry | undefined;
    for (const e of this.entries) if (e.epoch <= epoch) floor = e;
    if (floor === undefined) return { epoch, endOffset: higher.startOffset };
    return { epoch: floor.epoch, endOffset: higher.startOffset };
  }

  /** After truncating the log to `endOffset`: drops epochs that start at or after it. */
  truncateFromEnd(endOffset: Offset): boolean {
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => e.startOffset < endOffset);
    return this.entries.length !== before;
  }

  /**
   * After the log start moved to `startOffset`: drops epochs wholly before it and moves
   * the start of the one that spans it (Kafka's truncateFromStart).
   */
  truncateFromStart(startOffset: Offset): boolean {
    let covering: EpochEntry | undefined;
    const kept: EpochEntry[] = [];
    for (const e of this.entries) {
      if (e.startOffset <= startOffset) covering = e;
      else kept.push(e);
    }
    if (covering === undefined || covering.startOffset === startOffset) return false;
    this.entries = [{ epoch: covering.epoch, startOffset }, ...kept];
    return true;
  }

  encode(): string {
    const lines = ["0", String(this.entries.length)];
    for (const e of this.entries) lines.push(`${e.epoch} ${e.startOffset}`);
    return `${lines.join("\n")}\n`;
  }

  /** Parses Kafka's checkpoint text; a malformed file yields null (rebuilt from the log). */
  static decode(text: string): LeaderEpochCache | null {
    const lines = text.split("\n").filter((l) => l.trim().length > 0);
    if (lines[0]?.trim() !== "0") return null;
    const count = Number(lines[1]);
    if (!Number.isInteger(count) || count !== lines.length - 2) return null;
    const entries: EpochEntry[] = [];
    for (const line of lines.slice(2)) {
      const [a, b, extra] = line.trim().split(/\s+/);
      const epoch = Number(a);
      const start = Number(b);
      if (extra !== undefined || !Number.isSafeInteger(epoch) || !Number.isSafeInteger(start)) {
        return null;
      }
      if (epoch < 0 || start < 0) return null;
      entries.push({ epoch, startOffset: toOffset(start) });
    }
    return new LeaderEpochCache(entries);
  }
}
