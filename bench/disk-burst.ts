/**
 * Why `bench --calibrate` also measures the disk for as long as the run: on a VM the
 * rate of sequential 1 MiB write + fdatasync depends on what was written before, not
 * only on the disk. Three files of the same size, MB/s per second:
 *   A: written onto the blocks an earlier, deleted file freed;
 *   B: written after a rest while A still exists;
 *   C: written after A and B are deleted.
 * On this VM (Firecracker, ext4 with `discard`) the first second ran at 290–920 MB/s and
 * the rest at ≈ 130–300 (on different days); B's first second was sometimes no faster
 * than its rest (a 15 s rest did not bring the burst back), so the burst is not a plain
 * refilling budget.
 *
 *   ./node_modules/.bin/bun bench/disk-burst.ts [dir=/tmp] [MiB per file=1024] [rest seconds=10]
 */
import { closeSync, fdatasyncSync, openSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2] ?? "/tmp";
const mib = Number(process.argv[3] ?? 1024);
const restSeconds = Number(process.argv[4] ?? 10);

function writeFile(path: string): { mbPerSec: number; perSecond: number[] } {
  const chunk = new Uint8Array(1024 * 1024);
  for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 2654435761) >>> 24;
  const fd = openSync(path, "w");
  const perSecond: number[] = [];
  const start = performance.now();
  let mark = start;
  let markBytes = 0;
  let written = 0;
  try {
    for (let i = 0; i < mib; i++) {
      let off = 0;
      while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
      fdatasyncSync(fd);
      written += chunk.length;
      const now = performance.now();
      if (now - mark >= 1000) {
        perSecond.push(Math.round((written - markBytes) / 1e6 / ((now - mark) / 1000)));
        mark = now;
        markBytes = written;
      }
    }
  } finally {
    closeSync(fd);
  }
  return { mbPerSec: written / 1e6 / ((performance.now() - start) / 1000), perSecond };
}

const report = (name: string, r: { mbPerSec: number; perSecond: number[] }) =>
  console.log(`| ${name} | ${r.mbPerSec.toFixed(0)} | ${r.perSecond.join(" ")} |`);

const paths = ["a", "b", "c"].map((n) => join(dir, `disk-burst-${process.pid}-${n}.bin`));
console.log(`| file (${mib} MiB, 1 MiB write + fdatasync) | MB/s | MB/s each second |`);
console.log("| --- | ---: | --- |");
try {
  report("A: onto freed blocks", writeFile(paths[0]!));
  await Bun.sleep(restSeconds * 1000);
  report(`B: ${restSeconds} s later, A kept`, writeFile(paths[1]!));
  rmSync(paths[0]!);
  rmSync(paths[1]!);
  await Bun.sleep(restSeconds * 1000);
  report(`C: ${restSeconds} s after deleting A and B`, writeFile(paths[2]!));
} finally {
  for (const p of paths) rmSync(p, { force: true });
}
