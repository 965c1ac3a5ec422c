/**
 * Durable producer-id allocation for one node: ids are handed out from blocks, and the
 * end of the current block is written (temp file, fsync, rename) before any id in it is
 * used, so a restart — even after a crash — never reuses an id (Kafka reserves blocks
 * of 1000 from the controller the same way).
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { ProducerIdAllocator } from "../core/broker-core.ts";

const BLOCK = 1000;
const FILE = "producer-ids.properties";

export class FileProducerIdAllocator implements ProducerIdAllocator {
  private next_ = 0;
  private blockEnd = 0;
  private pending: Promise<void> | null = null;

  constructor(private readonly dataDir: string) {
    try {
      const text = readFileSync(join(dataDir, FILE), "utf8");
      const m = /next\.block\.start=(\d+)/.exec(text);
      if (m?.[1]) this.next_ = this.blockEnd = Number(m[1]);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }

  async next(): Promise<number> {
    while (this.next_ >= this.blockEnd) {
      if (!this.pending) this.pending = this.reserve().finally(() => (this.pending = null));
      await this.pending;
    }
    return this.next_++;
  }

  private async reserve(): Promise<void> {
    const end = this.blockEnd + BLOCK;
    const path = join(this.dataDir, FILE);
    const fd = openSync(`${path}.tmp`, "w");
    try {
      writeSync(fd, `next.block.start=${end}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(`${path}.tmp`, path);
    this.blockEnd = end;
  }
}

/** For the memory engine: nothing survives a restart anyway. */
export class MemoryProducerIdAllocator implements ProducerIdAllocator {
  private next_ = 0;
  next(): Promise<number> {
    return Promise.resolve(this.next_++);
  }
}
