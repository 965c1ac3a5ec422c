/**
 * Replaces a small file atomically and durably: write a temp file, fdatasync it, rename it
 * over the target, fsync the directory. A crash leaves either the old or the new file.
 */
import { type FileSystem, joinPath } from "../fs.ts";

export async function writeFileAtomic(
  fs: FileSystem,
  dir: string,
  name: string,
  bytes: Uint8Array,
): Promise<void> {
  const tmp = joinPath(dir, `${name}.tmp`);
  const file = await fs.open(tmp, "readwrite");
  try {
    await file.truncate(0);
    await file.write([bytes], 0);
    await file.datasync();
  } finally {
    await file.close();
  }
  await fs.rename(tmp, joinPath(dir, name));
  await fs.syncDir(dir);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function textBytes(text: string): Uint8Array {
  return encoder.encode(text);
}

export function bytesText(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}
