/**
 * A FileSystem wrapper that injects disk faults, for tests and the simulator: fail the
 * next writes with ENOSPC or EIO, fail fdatasync, or write only part of a buffer before
 * failing (a torn write). Faults are armed by the test, so runs are deterministic.
 */
import type { DiskFile, FileSystem, OpenMode } from "../fs.ts";

export type FaultKind = "ENOSPC" | "EIO";

export interface FaultPlan {
  /**
   * Fail writes (and creations) to paths matching this, after `afterBytes` more bytes.
   * With `once`, only the first failing write fails (space freed right after, or a write
   * that needed more new blocks than its retry does).
   */
  write?: { code: FaultKind; match?: RegExp; afterBytes?: number; once?: boolean };
  /** Fail fdatasync on matching paths. */
  sync?: { code: FaultKind; match?: RegExp };
  /** Fail reads on matching paths. */
  read?: { code: FaultKind; match?: RegExp };
}

export function ioError(code: FaultKind, syscall: string, path: string): Error {
  return Object.assign(new Error(`${code}: injected fault, ${syscall} '${path}'`), {
    code,
    syscall,
    path,
  });
}

export class FaultyFileSystem implements FileSystem {
  plan: FaultPlan = {};
  /** Bytes written through this filesystem, all files. */
  bytesWritten = 0;
  /** fdatasync and write calls on segment files (`*.log`). */
  fileSyncs = 0;
  writeCalls = 0;

  constructor(private readonly inner: FileSystem) {}

  arm(plan: FaultPlan): void {
    this.plan = plan;
  }

  disarm(): void {
    this.plan = {};
  }

  /** Bytes a write of `length` to `path` may still do before failing; null: no fault. */
  allowance(path: string, length: number): number | null {
    const w = this.plan.write;
    if (w === undefined || !(w.match?.test(path) ?? true)) return null;
    const left = w.afterBytes ?? 0;
    if (left >= length) {
      w.afterBytes = left - length;
      return null;
    }
    w.afterBytes = 0;
    return left;
  }

  failSync(path: string): void {
    const s = this.plan.sync;
    if (s !== undefined && (s.match?.test(path) ?? true)) throw ioError(s.code, "fdatasync", path);
  }

  failRead(path: string): void {
    const r = this.plan.read;
    if (r !== undefined && (r.match?.test(path) ?? true)) throw ioError(r.code, "read", path);
  }

  async open(path: string, mode: OpenMode): Promise<DiskFile> {
    if (mode === "readwrite" && this.allowance(path, 1) === 0) {
      throw ioError(this.plan.write!.code, "open", path);
    }
    return new FaultyDiskFile(await this.inner.open(path, mode), path, this);
  }
  readFile(path: string): Promise<Uint8Array | null> {
    this.failRead(path);
    return this.inner.readFile(path);
  }
  rename(from: string, to: string): Promise<void> {
    if (this.allowance(to, 1) === 0) throw ioError(this.plan.write!.code, "rename", to);
    return this.inner.rename(from, to);
  }
  unlink(path: string): Promise<void> {
    return this.inner.unlink(path);
  }
  readdir(path: string): Promise<string[]> {
    return this.inner.readdir(path);
  }
  mkdir(path: string): Promise<void> {
    return this.inner.mkdir(path);
  }
  removeTree(path: string): Promise<void> {
    return this.inner.removeTree(path);
  }
  syncDir(path: string): Promise<void> {
    this.failSync(path);
    return this.inner.syncDir(path);
  }
  exists(path: string): Promise<boolean> {
    return this.inner.exists(path);
  }
}

class FaultyDiskFile implements DiskFile {
  constructor(
    private readonly inner: DiskFile,
    private readonly path: string,
    private readonly fs: FaultyFileSystem,
  ) {}

  read(into: Uint8Array, position: number): Promise<number> {
    this.fs.failRead(this.path);
    return this.inner.read(into, position);
  }

  async write(chunks: readonly Uint8Array[], position: number): Promise<void> {
    if (this.path.endsWith(".log")) this.fs.writeCalls++;
    const total = chunks.reduce((n, c) => n + c.length, 0);
    const allowed = this.fs.allowance(this.path, total);
    if (allowed === null) {
      this.fs.bytesWritten += total;
      return this.inner.write(chunks, position);
    }
    // A torn write: the first `allowed` bytes land, then the error.
    const partial: Uint8Array[] = [];
    let left = allowed;
    for (const c of chunks) {
      if (left === 0) break;
      partial.push(c.subarray(0, Math.min(left, c.length)));
      left -= Math.min(left, c.length);
    }
    if (partial.length > 0) await this.inner.write(partial, position);
    this.fs.bytesWritten += allowed;
    const code = this.fs.plan.write!.code;
    if (this.fs.plan.write!.once) {
      const { write: _spent, ...rest } = this.fs.plan;
      this.fs.plan = rest;
    }
    throw ioError(code, "write", this.path);
  }

  datasync(): Promise<void> {
    this.fs.failSync(this.path);
    if (this.path.endsWith(".log")) this.fs.fileSyncs++;
    return this.inner.datasync();
  }
  truncate(size: number): Promise<void> {
    return this.inner.truncate(size);
  }
  size(): Promise<number> {
    return this.inner.size();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
