/**
 * Calibration: what this machine can do at all, measured in the same run as the
 * benchmarks so results can be reported as ratios to those limits rather than as
 * absolute numbers that swing with the machine's neighbours.
 *
 * - disk: sequential writes of fixed-size chunks to a file in the data dir, with an
 *   fdatasync after each chunk (what a broker pays for acks=all) or only at the end.
 *   A VM disk is not one rate: on this one (Firecracker, ext4 with `discard`) the first
 *   second of such writes ran at 300–920 MB/s and the rest at ≈ 150–300 MB/s, and how
 *   big the burst is depends on what was written before more than on rest (a file
 *   written 15 s after another, which was kept, got no burst at all; bench/disk-burst.ts).
 *   So a 64 MiB measurement is the burst only: a run that writes for ten seconds is
 *   compared with `measureDiskFor` over the same time, taken just before the run.
 * - tcp: bytes pushed from one socket to another over loopback within this process.
 */
import { closeSync, fdatasyncSync, openSync, rmSync, writeSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";

export interface Throughput {
  bytes: number;
  seconds: number;
  mbPerSec: number;
  /** MB/s in each whole second of a timed measurement (`measureDiskFor`). */
  perSecond?: number[];
}

function throughput(bytes: number, seconds: number): Throughput {
  return { bytes, seconds, mbPerSec: bytes / 1e6 / seconds };
}

export interface DiskOptions {
  dir: string;
  chunkBytes: number;
  totalBytes: number;
  /** fdatasync after every chunk (true) or once at the end (false). */
  syncEachChunk: boolean;
}

/** Raw sequential write (+ fdatasync) bandwidth of the disk under `dir`. */
export async function measureDiskWrite(options: DiskOptions): Promise<Throughput> {
  await mkdir(options.dir, { recursive: true });
  const path = join(options.dir, `calibrate-${process.pid}-${Date.now()}.bin`);
  const chunk = new Uint8Array(options.chunkBytes);
  for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 2654435761) >>> 24;
  const fd = openSync(path, "w");
  try {
    const start = performance.now();
    let written = 0;
    while (written < options.totalBytes) {
      let off = 0;
      while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
      written += chunk.length;
      if (options.syncEachChunk) fdatasyncSync(fd);
    }
    if (!options.syncEachChunk) fdatasyncSync(fd);
    return throughput(written, (performance.now() - start) / 1000);
  } finally {
    closeSync(fd);
    rmSync(path, { force: true });
  }
}

/**
 * Raw sequential 1 MiB write + fdatasync for `seconds`: the disk over as long as a
 * benchmark run writes, burst and sustained phases both, with the MB/s of every second.
 */
export async function measureDiskFor(dir: string, seconds: number): Promise<Throughput> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `calibrate-timed-${process.pid}-${Date.now()}.bin`);
  const chunk = new Uint8Array(1024 * 1024);
  for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 2654435761) >>> 24;
  const fd = openSync(path, "w");
  const perSecond: number[] = [];
  try {
    const start = performance.now();
    const end = start + seconds * 1000;
    let written = 0;
    let mark = start;
    let markBytes = 0;
    let now = start;
    while (now < end) {
      let off = 0;
      while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
      fdatasyncSync(fd);
      written += chunk.length;
      now = performance.now();
      if (now - mark >= 1000) {
        perSecond.push((written - markBytes) / 1e6 / ((now - mark) / 1000));
        mark = now;
        markBytes = written;
      }
    }
    return { ...throughput(written, (now - start) / 1000), perSecond };
  } finally {
    closeSync(fd);
    rmSync(path, { force: true });
  }
}

/** Median of the per-second rates after the first second: the disk's sustained rate. */
export function sustainedMbPerSec(t: Throughput): number | null {
  const rest = (t.perSecond ?? []).slice(1).sort((a, b) => a - b);
  if (rest.length === 0) return null;
  return rest[Math.floor(rest.length / 2)]!;
}

/** Raw loopback TCP bandwidth: one client writes `totalBytes` in `chunkBytes` pieces. */
export async function measureLoopbackTcp(
  totalBytes: number,
  chunkBytes = 256 * 1024,
): Promise<Throughput> {
  let received = 0;
  let start = 0;
  let done: (t: Throughput) => void = () => {};
  const finished = new Promise<Throughput>((resolve) => {
    done = resolve;
  });
  const server = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      data(_socket, data) {
        received += data.byteLength;
        if (received >= totalBytes) done(throughput(received, (performance.now() - start) / 1000));
      },
    },
  });
  const chunk = new Uint8Array(chunkBytes).fill(7);
  let sent = 0;
  let pending: Uint8Array = chunk;
  // Writes until the kernel buffer is full, then waits for drain; a partial write leaves
  // the unsent tail of the chunk pending, as a real sender must.
  const pump = (socket: Bun.Socket) => {
    while (sent < totalBytes) {
      const n = socket.write(pending);
      sent += n;
      if (n < pending.length) {
        pending = pending.subarray(n);
        return;
      }
      pending = chunk;
    }
  };
  start = performance.now();
  const client = await Bun.connect({
    hostname: "127.0.0.1",
    port: server.port,
    socket: { open: pump, drain: pump, data() {} },
  });
  const result = await finished;
  client.end();
  server.stop(true);
  return result;
}

export interface SyncRate {
  syncs: number;
  seconds: number;
  syncsPerSec: number;
  /** Median time of one small write + fdatasync. */
  p50Ms: number;
}

/**
 * Small appends each followed by fdatasync: the floor under an acks=all round trip that
 * no group commit can batch away (the single-record workload's reference).
 */
export async function measureSmallSyncs(
  dir: string,
  seconds: number,
  writeBytes = 4096,
): Promise<SyncRate> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `calibrate-sync-${process.pid}-${Date.now()}.bin`);
  const chunk = new Uint8Array(writeBytes).fill(1);
  const fd = openSync(path, "w");
  const times: number[] = [];
  try {
    const start = performance.now();
    const end = start + seconds * 1000;
    let t = start;
    while (t < end && times.length < 100_000) {
      writeSync(fd, chunk);
      fdatasyncSync(fd);
      const now = performance.now();
      times.push(now - t);
      t = now;
    }
    times.sort((a, b) => a - b);
    const elapsed = (t - start) / 1000;
    return {
      syncs: times.length,
      seconds: elapsed,
      syncsPerSec: times.length / elapsed,
      p50Ms: times[Math.floor(times.length / 2)] ?? 0,
    };
  } finally {
    closeSync(fd);
    rmSync(path, { force: true });
  }
}

export interface Calibration {
  disk_fsync_per_mib: Throughput;
  /** 1 MiB write + fdatasync for a set time (`bench calibrate --seconds`). */
  disk_fsync_timed?: Throughput;
  disk_unsynced: Throughput;
  tcp_loopback: Throughput;
  disk_small_syncs: SyncRate;
}

export async function calibrate(
  dataDir: string,
  quick = false,
  timedSeconds = 0,
): Promise<Calibration> {
  const total = quick ? 64 * 1024 * 1024 : 512 * 1024 * 1024;
  const result: Calibration = {
    disk_small_syncs: await measureSmallSyncs(dataDir, quick ? 0.5 : 2),
    disk_fsync_per_mib: await measureDiskWrite({
      dir: dataDir,
      chunkBytes: 1024 * 1024,
      totalBytes: total,
      syncEachChunk: true,
    }),
    disk_unsynced: await measureDiskWrite({
      dir: dataDir,
      chunkBytes: 1024 * 1024,
      totalBytes: total,
      syncEachChunk: false,
    }),
    tcp_loopback: await measureLoopbackTcp(total * 2),
  };
  if (timedSeconds > 0) {
    result.disk_fsync_timed = await measureDiskFor(dataDir, timedSeconds);
  }
  return result;
}

if (import.meta.main) {
  const dir = process.argv[2] ?? "./data";
  const result = await calibrate(dir, process.argv.includes("--quick"), 10);
  for (const line of calibrationLines(result)) console.log(line);
}

/** Human-readable lines, one per measurement. */
export function calibrationLines(c: Calibration): string[] {
  const tp = (name: string, t: Throughput) =>
    `${name.padEnd(20)} ${t.mbPerSec.toFixed(1).padStart(9)} MB/s  (${(t.bytes / 1e6).toFixed(0)} MB in ${t.seconds.toFixed(2)} s)`;
  const s = c.disk_small_syncs;
  return [
    ...(c.disk_fsync_timed ? [timedLine(c.disk_fsync_timed)] : []),
    tp("disk_fsync_per_mib", c.disk_fsync_per_mib),
    tp("disk_unsynced", c.disk_unsynced),
    tp("tcp_loopback", c.tcp_loopback),
    `${"disk_small_syncs".padEnd(20)} ${s.syncsPerSec.toFixed(0).padStart(9)} /s    (4 KiB write + fdatasync, p50 ${s.p50Ms.toFixed(3)} ms)`,
  ];
}

function timedLine(t: Throughput): string {
  const sustained = sustainedMbPerSec(t);
  const seconds = (t.perSecond ?? []).map((r) => r.toFixed(0)).join(" ");
  return (
    `${"disk_fsync_timed".padEnd(20)} ${t.mbPerSec.toFixed(1).padStart(9)} MB/s  (${(t.bytes / 1e6).toFixed(0)} MB in ${t.seconds.toFixed(2)} s;` +
    ` sustained ${sustained === null ? "-" : sustained.toFixed(0)} MB/s; each second: ${seconds})`
  );
}
