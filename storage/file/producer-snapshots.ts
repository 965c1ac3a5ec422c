/**
 * Producer-state snapshots: the broker's opaque bytes in `<20-digit offset>.snapshot`
 * files (Kafka's names), framed with a CRC-32C and a length so a torn file is skipped
 * rather than restored. The two newest are kept; those past the log end are deleted.
 */
import { crc32c } from "../../protocol/records/crc32c.ts";
import type { ProducerSnapshot } from "../engine.ts";
import { type FileSystem, joinPath } from "../fs.ts";
import { offsetFileStem, toOffset } from "../offset.ts";
import { writeFileAtomic } from "./atomic-write.ts";

const SUFFIX = ".snapshot";
const KEEP = 2;

export function snapshotOffsets(names: readonly string[]): number[] {
  return names
    .filter((n) => /^\d{20}\.snapshot$/.test(n))
    .map((n) => Number(n.slice(0, 20)))
    .sort((a, b) => a - b);
}

export async function writeProducerSnapshot(
  fs: FileSystem,
  dir: string,
  snapshot: ProducerSnapshot,
): Promise<void> {
  const framed = new Uint8Array(8 + snapshot.bytes.length);
  const view = new DataView(framed.buffer);
  framed.set(snapshot.bytes, 8);
  view.setUint32(0, crc32c(snapshot.bytes));
  view.setUint32(4, snapshot.bytes.length);
  await writeFileAtomic(fs, dir, `${offsetFileStem(snapshot.offset)}${SUFFIX}`, framed);
  const offsets = snapshotOffsets(await fs.readdir(dir));
  for (const o of offsets.slice(0, Math.max(0, offsets.length - KEEP))) {
    await fs.unlink(joinPath(dir, `${offsetFileStem(o)}${SUFFIX}`));
  }
}

/** Deletes snapshots past `logEnd`, then returns the newest readable one. */
export async function loadProducerSnapshot(
  fs: FileSystem,
  dir: string,
  logEnd: number,
): Promise<ProducerSnapshot | null> {
  await deleteSnapshotsAbove(fs, dir, logEnd);
  const offsets = snapshotOffsets(await fs.readdir(dir)).reverse();
  for (const o of offsets) {
    const framed = await fs.readFile(joinPath(dir, `${offsetFileStem(o)}${SUFFIX}`));
    if (framed === null || framed.length < 8) continue;
    const view = new DataView(framed.buffer, framed.byteOffset, framed.byteLength);
    const length = view.getUint32(4);
    if (length !== framed.length - 8) continue;
    const bytes = framed.slice(8);
    if (crc32c(bytes) !== view.getUint32(0)) continue;
    return { offset: toOffset(o), bytes };
  }
  return null;
}

export async function deleteSnapshotsAbove(
  fs: FileSystem,
  dir: string,
  offset: number,
): Promise<void> {
  for (const o of snapshotOffsets(await fs.readdir(dir))) {
    if (o > offset) await fs.unlink(joinPath(dir, `${offsetFileStem(o)}${SUFFIX}`));
  }
}
