/**
 * An in-memory FileSystem that models what survives a power loss, for tests and the
 * simulator. Each file keeps its current bytes and the bytes last made durable by
 * fdatasync; each directory keeps its current entries and the entries last made durable
 * by an fsync of that directory (creations, renames and unlinks are not durable until
 * then, as on Linux without dirsync). `crash()` throws away everything not durable
 * (optionally keeping a random prefix of unsynced appended bytes, as partial writeback
 * would) and invalidates every open handle.
 *
 * Operations yield to the event loop once, so a crash can land between any two of them.
 */
import type { Random } from "../clock.ts";
import type { DiskFile, FileSystem, OpenMode } from "../fs.ts";

interface Inode {
  data: Uint8Array;
  size: number;
  durable: Uint8Array;
}

type Entry = { kind: "file"; inode: Inode } | { kind: "dir" };

function errno(code: string, syscall: string, path: string): Error {
  return Object.assign(new Error(`${code}: ${syscall} '${path}'`), { code, syscall, path });
}

function parentOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

function normalize(path: string): string {
  const p = path.replace(/\/+/g, "/");
  return p.length > 1 && p.endsWith("/") ? p.slice(0, -1) : p;
}

export class SimFileSystem implements FileSystem {
  /** Current namespace: path → entry. */
  private live = new Map<string, Entry>([["/", { kind: "dir" }]]);
  /** Namespace as it would be found after a crash. */
  private durable = new Map<string, Entry>([["/", { kind: "dir" }]]);
  private epoch = 0;

  /** Yields once; a crash may happen while an operation waits here. */
  private tick(): Promise<void> {
    return new Promise((resolve) => setImmediate(resolve));
  }

  /** Power loss: keep only what was made durable. Open handles fail from now on. */
  crash(options: { random?: Random; keepUnsyncedTail?: boolean } = {}): void {
    this.epoch++;
    const next = new Map<string, Entry>();
    for (const [path, entry] of this.durable) {
      if (entry.kind === "dir") {
        next.set(path, entry);
        continue;
      }
      const inode = entry.inode;
      let bytes = inode.durable;
      if (options.keepUnsyncedTail && options.random && inode.size > bytes.length) {
        // Partial writeback: some unsynced bytes past the durable end made it to disk.
        const prefixMatches = inode.data.subarray(0, bytes.length).every((b, i) => b === bytes[i]);
        if (prefixMatches) {
          const extra = options.random.int(inode.size - bytes.length + 1);
          bytes = inode.data.slice(0, bytes.length + extra);
        }
      }
      const fresh: Inode = { data: bytes.slice(), size: bytes.length, durable: bytes.slice() };
      next.set(path, { kind: "file", inode: fresh });
    }
    // An entry survives only if every directory above it survived too.
    for (const path of [...next.keys()]) {
      for (let dir = parentOf(path); dir !== "/"; dir = parentOf(dir)) {
        if (next.get(dir)?.kind !== "dir" || !this.durable.has(dir)) {
          next.delete(path);
          break;
        }
      }
    }
    this.live = next;
    this.durable = new Map(next);
  }

  async open(path: string, mode: OpenMode): Promise<DiskFile> {
    await this.tick();
    const p = normalize(path);
    let entry = this.live.get(p);
    if (entry === undefined) {
      if (mode === "read") throw errno("ENOENT", "open", p);
      if (this.live.get(parentOf(p))?.kind !== "dir") throw errno("ENOENT", "open", p);
      entry = {
        kind: "file",
        inode: { data: new Uint8Array(0), size: 0, durable: new Uint8Array(0) },
      };
      this.live.set(p, entry);
    }
    if (entry.kind !== "file") throw errno("EISDIR", "open", p);
    return new SimFile(this, entry.inode, p, this.epoch);
  }

  /** Throws EIO for handles from before the last crash. */
  checkEpoch(epoch: number, path: string): void {
    if (epoch !== this.epoch) throw errno("EIO", "stale handle after crash", path);
  }

  async readFile(path: string): Promise<Uint8Array | null> {
    await this.tick();
    const entry = this.live.get(normalize(path));
    if (entry === undefined) return null;
    if (entry.kind !== "file") throw errno("EISDIR", "read", path);
    return entry.inode.data.slice(0, entry.inode.size);
  }

  async rename(from: string, to: string): Promise<void> {
    await this.tick();
    const f = normalize(from);
    const entry = this.live.get(f);
    if (entry === undefined) throw errno("ENOENT", "rename", f);
    this.live.delete(f);
    this.live.set(normalize(to), entry);
  }

  async unlink(path: string): Promise<void> {
    await this.tick();
    const p = normalize(path);
    if (this.live.get(p)?.kind === "file") this.live.delete(p);
  }

  async readdir(path: string): Promise<string[]> {
    await this.tick();
    const dir = normalize(path);
    const prefix = dir === "/" ? "/" : `${dir}/`;
    const out: string[] = [];
    for (const key of this.live.keys()) {
      if (key !== dir && key.startsWith(prefix) && !key.slice(prefix.length).includes("/")) {
        out.push(key.slice(prefix.length));
      }
    }
    return out;
  }

  async mkdir(path: string): Promise<void> {
    await this.tick();
    const parts = normalize(path)
      .split("/")
      .filter((x) => x.length > 0);
    let cur = "";
    for (const part of parts) {
      cur = `${cur}/${part}`;
      const e = this.live.get(cur);
      if (e === undefined) this.live.set(cur, { kind: "dir" });
      else if (e.kind !== "dir") throw errno("ENOTDIR", "mkdir", cur);
    }
  }

  async removeTree(path: string): Promise<void> {
    await this.tick();
    const p = normalize(path);
    for (const key of [...this.live.keys()]) {
      if (key === p || key.startsWith(`${p}/`)) this.live.delete(key);
    }
  }

  /** Makes the entries directly inside `path` durable (and `path` itself, for simplicity). */
  async syncDir(path: string): Promise<void> {
    await this.tick();
    const dir = normalize(path);
    if (this.live.get(dir)?.kind !== "dir") throw errno("ENOENT", "fsync", dir);
    const prefix = dir === "/" ? "/" : `${dir}/`;
    const inDir = (key: string) =>
      key.startsWith(prefix) && key !== dir && !key.slice(prefix.length).includes("/");
    for (const key of [...this.durable.keys()]) {
      if (inDir(key) && !this.live.has(key)) this.durable.delete(key);
    }
    for (const [key, entry] of this.live) if (inDir(key)) this.durable.set(key, entry);
  }

  async exists(path: string): Promise<boolean> {
    await this.tick();
    return this.live.has(normalize(path));
  }
}

class SimFile implements DiskFile {
  constructor(
    private readonly fs: SimFileSystem,
    private readonly inode: Inode,
    private readonly path: string,
    private readonly epoch: number,
  ) {}

  private async op(name: string): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    this.fs.checkEpoch(this.epoch, `${this.path} (${name})`);
  }

  async read(into: Uint8Array, position: number): Promise<number> {
    await this.op("read");
    const n = Math.max(0, Math.min(into.length, this.inode.size - position));
    into.set(this.inode.data.subarray(position, position + n));
    return n;
  }

  async write(chunks: readonly Uint8Array[], position: number): Promise<void> {
    await this.op("write");
    const total = chunks.reduce((n, c) => n + c.length, 0);
    this.ensure(position + total);
    let p = position;
    for (const c of chunks) {
      this.inode.data.set(c, p);
      p += c.length;
    }
    this.inode.size = Math.max(this.inode.size, p);
  }

  async datasync(): Promise<void> {
    await this.op("fdatasync");
    this.inode.durable = this.inode.data.slice(0, this.inode.size);
  }

  async truncate(size: number): Promise<void> {
    await this.op("truncate");
    this.ensure(size);
    this.inode.data.fill(0, size);
    this.inode.size = size;
  }

  async size(): Promise<number> {
    await this.op("stat");
    return this.inode.size;
  }

  async close(): Promise<void> {}

  private ensure(size: number): void {
    if (size <= this.inode.data.length) return;
    const grown = new Uint8Array(Math.max(size, this.inode.data.length * 2, 4096));
    grown.set(this.inode.data.subarray(0, this.inode.size));
    this.inode.data = grown;
  }
}
