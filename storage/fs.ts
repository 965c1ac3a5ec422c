/**
 * The disk as the file engine sees it: a few primitives, so tests and the simulator can
 * substitute a filesystem that fails (ENOSPC, EIO, torn writes) or forgets unsynced data.
 * The production implementation is runtime/node-fs.ts. Errors are thrown as Node does:
 * an Error with a string `code` ("ENOENT", "ENOSPC", "EIO", …).
 */

export interface DiskFile {
  /** Reads up to `into.length` bytes at `position`; returns how many were read (0 at EOF). */
  read(into: Uint8Array, position: number): Promise<number>;
  /** Writes every chunk back to back starting at `position`, all or throw. */
  write(chunks: readonly Uint8Array[], position: number): Promise<void>;
  /** fdatasync: data and the size are on stable storage when this resolves. */
  datasync(): Promise<void>;
  truncate(size: number): Promise<void>;
  size(): Promise<number>;
  close(): Promise<void>;
}

export type OpenMode =
  /** Existing file, read only. */
  | "read"
  /** Read and write, created if missing, never truncated. */
  | "readwrite";

export interface FileSystem {
  open(path: string, mode: OpenMode): Promise<DiskFile>;
  /** Whole file, or null when it does not exist. */
  readFile(path: string): Promise<Uint8Array | null>;
  rename(from: string, to: string): Promise<void>;
  /** Removes a file; a missing file is not an error. */
  unlink(path: string): Promise<void>;
  /** Names in a directory; [] when it does not exist. */
  readdir(path: string): Promise<string[]>;
  /** Creates a directory and its parents; an existing one is fine. */
  mkdir(path: string): Promise<void>;
  /** Removes a directory tree; a missing one is fine. */
  removeTree(path: string): Promise<void>;
  /** fsync on a directory, making renames, creations and unlinks in it durable. */
  syncDir(path: string): Promise<void>;
  exists(path: string): Promise<boolean>;
}

export function errnoOf(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === "string" ? code : undefined;
}

export function isNotFound(err: unknown): boolean {
  return errnoOf(err) === "ENOENT";
}

/** Joins path parts with "/" (storage paths are always POSIX-style). */
export function joinPath(...parts: string[]): string {
  return parts.join("/").replace(/\/+/g, "/");
}

/** The directory holding `path` ("." for a bare name). */
export function parentDir(path: string): string {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, "") : path;
  const i = trimmed.lastIndexOf("/");
  if (i < 0) return ".";
  return i === 0 ? "/" : trimmed.slice(0, i);
}
