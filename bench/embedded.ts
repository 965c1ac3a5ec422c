/**
 * `--embedded`: a broker started as a child process on a temp data dir, so one command
 * measures a real broker. The child is this same program: `bun main.ts broker start` when
 * running from source, `<binary> broker start` when running as the compiled executable.
 * A separate process keeps the load generator's CPU and GC out of the broker's, and lets
 * us report the broker's own memory.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";

export interface EmbeddedOptions {
  storageEngine?: "file" | "memory";
  /** Data dir to use (kept); default: a fresh temp dir (removed on stop). */
  dataDir?: string;
  /** Extra environment for the child (e.g. DATACORE_TEST_PRODUCE_DELAY_MS). */
  env?: Record<string, string>;
  /** Extra runtime flags before the script, e.g. ["--cpu-prof"] (source runs only). */
  runtimeArgs?: string[];
  startTimeoutMs?: number;
}

export interface EmbeddedBroker {
  readonly bootstrap: string;
  readonly pid: number;
  readonly dataDir: string;
  /** Resident set size of the broker process in bytes, or null where unknown. */
  rssBytes(): number | null;
  /** CPU seconds (user + system) the broker process used so far, or null where unknown. */
  cpuSeconds(): number | null;
  output(): string;
  stop(): Promise<number>;
}

/** True when this code runs inside a `bun build --compile` executable. */
export function isCompiled(): boolean {
  // Compiled executables load their modules from Bun's embedded file system.
  return Bun.main.startsWith("/$bunfs/") || Bun.main.includes("~BUN");
}

/** The argv that runs `datacore broker start` with this program. */
export function brokerCommandLine(runtimeArgs: readonly string[] = []): string[] {
  if (isCompiled()) return [process.execPath, "broker", "start"];
  return [
    process.execPath,
    ...runtimeArgs,
    join(import.meta.dir, "..", "main.ts"),
    "broker",
    "start",
  ];
}

export async function startEmbeddedBroker(options: EmbeddedOptions = {}): Promise<EmbeddedBroker> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "datacore-bench-"));
  const argv = [
    ...brokerCommandLine(options.runtimeArgs),
    "--host",
    "127.0.0.1",
    "--broker-port",
    "0",
    "--data-dir",
    dataDir,
    "--storage-engine",
    options.storageEngine ?? "file",
    // The bound port comes from the "listening" line, logged at info.
    "--log-level",
    "info",
  ];
  const proc: Subprocess<"ignore", "pipe", "pipe"> = Bun.spawn(argv, {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, ...options.env },
  });
  let text = "";
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      // Keep the start of the log (start-up errors) and a bounded tail.
      text += decoder.decode(chunk);
      if (text.length > 256 * 1024) text = text.slice(0, 64 * 1024) + text.slice(-128 * 1024);
    }
  };
  void collect(proc.stdout);
  void collect(proc.stderr);
  const deadline = performance.now() + (options.startTimeoutMs ?? 30_000);
  let port = 0;
  while (performance.now() < deadline) {
    const m = /listening .*port=(\d+)/.exec(text);
    if (m?.[1]) {
      port = Number(m[1]);
      break;
    }
    if (proc.exitCode !== null) break;
    await Bun.sleep(20);
  }
  const cleanup = () => {
    if (ownDir) rmSync(dataDir, { recursive: true, force: true });
  };
  if (port === 0) {
    proc.kill("SIGKILL");
    await proc.exited;
    cleanup();
    throw new Error(`embedded broker did not start:\n${text}`);
  }
  let stopped: Promise<number> | null = null;
  return {
    bootstrap: `127.0.0.1:${port}`,
    pid: proc.pid,
    dataDir,
    rssBytes: () => processRssBytes(proc.pid),
    cpuSeconds: () => processCpuSeconds(proc.pid),
    output: () => text,
    stop() {
      stopped ??= (async () => {
        proc.kill("SIGTERM");
        const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
        const code = await proc.exited;
        clearTimeout(timer);
        cleanup();
        return code;
      })();
      return stopped;
    },
  };
}

/** RSS of a process: /proc on Linux, `ps` elsewhere (darwin). */
export function processRssBytes(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const m = /VmRSS:\s+(\d+) kB/.exec(status);
    if (m?.[1]) return Number(m[1]) * 1024;
  } catch {
    // No /proc: fall through to ps.
  }
  const ps = Bun.spawnSync(["ps", "-o", "rss=", "-p", String(pid)]);
  const kb = Number(ps.stdout.toString().trim());
  return ps.exitCode === 0 && Number.isFinite(kb) && kb > 0 ? kb * 1024 : null;
}

/** User + system CPU seconds of a process from /proc (Linux); null elsewhere. */
export function processCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may contain spaces) start past the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks / 100 : null;
  } catch {
    return null;
  }
}
