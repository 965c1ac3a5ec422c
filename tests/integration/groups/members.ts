/** Test-side handles on consumer processes that print JSON lines (kafkajs-member.ts, group_member.py). */
import type { Subprocess } from "bun";

export interface MemberLine {
  assigned?: number[];
  p?: number;
  o?: number;
  v?: string | null;
}

export interface MemberProcess {
  readonly name: string;
  readonly lines: MemberLine[];
  /** The partitions from the member's latest assignment. */
  assigned(): number[] | null;
  /** How many assignments (rebalances) it has seen. */
  assignments(): number;
  kill(): Promise<void>;
  stop(): Promise<void>;
  stderr(): string;
}

export function spawnMember(
  name: string,
  cmd: string[],
  env: Record<string, string> = {},
): MemberProcess {
  const proc: Subprocess<"ignore", "pipe", "pipe"> = Bun.spawn(cmd, {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, ...env },
  });
  const lines: MemberLine[] = [];
  let err = "";
  (async () => {
    const decoder = new TextDecoder();
    let buf = "";
    for await (const chunk of proc.stdout) {
      buf += decoder.decode(chunk, { stream: true });
      let nl = buf.indexOf("\n");
      while (nl >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line.startsWith("{")) lines.push(JSON.parse(line) as MemberLine);
        nl = buf.indexOf("\n");
      }
    }
  })();
  (async () => {
    err = await new Response(proc.stderr).text();
  })();
  return {
    name,
    lines,
    assigned() {
      for (let i = lines.length - 1; i >= 0; i--)
        if (lines[i]!.assigned) return lines[i]!.assigned!;
      return null;
    },
    assignments() {
      return lines.filter((l) => l.assigned).length;
    },
    async kill() {
      proc.kill("SIGKILL");
      await proc.exited;
    },
    async stop() {
      proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 15_000);
      await proc.exited;
      clearTimeout(timer);
    },
    stderr: () => err,
  };
}

export async function waitFor(
  what: string,
  cond: () => boolean,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}

/** True when the members' latest assignments are disjoint and cover 0..n-1. */
export function coversExactly(members: readonly MemberProcess[], n: number): boolean {
  const all = members.flatMap((m) => m.assigned() ?? []);
  return all.length === n && new Set(all).size === n && all.every((p) => p >= 0 && p < n);
}

export function consumedValues(members: readonly MemberProcess[]): Set<string> {
  const out = new Set<string>();
  for (const m of members)
    for (const l of m.lines) if (l.v !== undefined && l.v !== null) out.add(l.v);
  return out;
}

/** For `.catch()` on a wait: prints each member's assignments and stderr, then rethrows. */
export function explain(
  group: readonly MemberProcess[],
  extra: () => string = () => "",
): (e: unknown) => never {
  return (e) => {
    const lines = group.map(
      (m) => `${m.name}: ${JSON.stringify(m.lines.filter((l) => l.assigned))}\n${m.stderr()}`,
    );
    console.log(`${lines.join("\n")}\n${extra()}`);
    throw e;
  };
}
