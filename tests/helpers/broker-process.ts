/**
 * Starts a real broker as a child process (`bun main.ts broker start`) on a free port with
 * its own data dir, the way users run it, and waits for its "listening" log line.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";

const ROOT = join(import.meta.dir, "../..");
const BUN = join(ROOT, "node_modules/.bin/bun");

export interface BrokerProcess {
  port: number;
  bootstrap: string;
  dataDir: string;
  /** Everything the broker printed so far. */
  output(): string;
  /** SIGTERM and wait; returns the exit code. */
  stop(): Promise<number>;
  /** SIGKILL and wait. */
  kill(): Promise<void>;
}

export function tempDataDir(prefix = "datacore-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export async function startBrokerProcess(
  options: { dataDir?: string; args?: string[]; env?: Record<string, string> } = {},
): Promise<BrokerProcess> {
  const dataDir = options.dataDir ?? tempDataDir();
  const proc: Subprocess<"ignore", "pipe", "pipe"> = Bun.spawn(
    [
      BUN,
      join(ROOT, "main.ts"),
      "broker",
      "start",
      "--broker-port",
      "0",
      "--host",
      "127.0.0.1",
      "--data-dir",
      dataDir,
      ...(options.args ?? []),
    ],
    {
      cwd: ROOT,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
      env: { ...process.env, ...options.env },
    },
  );
  let text = "";
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) text += decoder.decode(chunk);
  };
  const done = Promise.all([collect(proc.stdout), collect(proc.stderr)]);
  const deadline = Date.now() + 20_000;
  let port = 0;
  while (Date.now() < deadline) {
    const m = /listening .*port=(\d+)/.exec(text);
    if (m?.[1]) {
      port = Number(m[1]);
      break;
    }
    if (proc.exitCode !== null) break;
    await Bun.sleep(20);
  }
  if (port === 0) {
    proc.kill("SIGKILL");
    await proc.exited;
    throw new Error(`broker did not start:\n${text}`);
  }
  return {
    port,
    bootstrap: `127.0.0.1:${port}`,
    dataDir,
    output: () => text,
    async stop() {
      proc.kill("SIGTERM");
      const code = await proc.exited;
      await done;
      return code;
    },
    async kill() {
      proc.kill("SIGKILL");
      await proc.exited;
      await done;
    },
  };
}

/** Runs the broker expecting it to fail at start; returns exit code and output. */
export async function runBrokerExpectingFailure(
  args: string[],
): Promise<{ code: number; output: string }> {
  const proc = Bun.spawn([BUN, join(ROOT, "main.ts"), "broker", "start", ...args], {
    cwd: ROOT,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), 20_000);
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  clearTimeout(timer);
  return { code, output: out + err };
}
