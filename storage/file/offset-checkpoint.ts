/**
 * Kafka's per-data-dir offset checkpoint files (log-start-offset-checkpoint,
 * replication-offset-checkpoint, cleaner-offset-checkpoint):
 *   0                     (version)
 *   N                     (entry count)
 *   topic partition offset   × N
 * Each file is rewritten whole and atomically; concurrent requests share one write.
 */
import type { FileSystem } from "../fs.ts";
import { bytesText, textBytes, writeFileAtomic } from "./atomic-write.ts";

export interface CheckpointEntry {
  topic: string;
  partition: number;
  offset: number;
}

export function encodeOffsetCheckpoint(entries: readonly CheckpointEntry[]): string {
  const lines = ["0", String(entries.length)];
  for (const e of entries) lines.push(`${e.topic} ${e.partition} ${e.offset}`);
  return `${lines.join("\n")}\n`;
}

/** Map from `topic-partition` to offset; null when the file is malformed. */
export function decodeOffsetCheckpoint(text: string): Map<string, number> | null {
  const lines = text.split("\n").filter((l) => l.trim().length > 0);
  if (lines[0]?.trim() !== "0") return null;
  const count = Number(lines[1]);
  if (!Number.isInteger(count) || count !== lines.length - 2) return null;
  const out = new Map<string, number>();
  for (const line of lines.slice(2)) {
    const parts = line.trim().split(/\s+/);
    if (parts.length !== 3) return null;
    const partition = Number(parts[1]);
    const offset = Number(parts[2]);
    if (!Number.isSafeInteger(partition) || !Number.isSafeInteger(offset)) return null;
    out.set(`${parts[0]}-${partition}`, offset);
  }
  return out;
}

export class CheckpointFile {
  /** A write that has been requested but not started: later requests join it. */
  private pending: Promise<void> | null = null;
  private tail: Promise<void> = Promise.resolve();
  private lastWritten: string | null = null;

  constructor(
    private readonly fs: FileSystem,
    private readonly dir: string,
    readonly name: string,
    private readonly collect: () => CheckpointEntry[],
  ) {}

  async load(): Promise<Map<string, number>> {
    const bytes = await this.fs.readFile(`${this.dir}/${this.name}`);
    if (bytes === null) return new Map();
    this.lastWritten = bytesText(bytes);
    return decodeOffsetCheckpoint(this.lastWritten) ?? new Map();
  }

  /** Writes the current entries; resolves when a write that started after the call is durable. */
  write(): Promise<void> {
    if (this.pending !== null) return this.pending;
    const next = this.tail
      .catch(() => {})
      .then(async () => {
        this.pending = null;
        const text = encodeOffsetCheckpoint(this.collect());
        // Maintenance asks every few seconds; an unchanged file is not rewritten.
        if (text === this.lastWritten) return;
        await writeFileAtomic(this.fs, this.dir, this.name, textBytes(text));
        this.lastWritten = text;
      });
    this.pending = next;
    this.tail = next;
    return next;
  }
}
