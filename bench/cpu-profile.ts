/**
 * Reads a Chrome-format `.cpuprofile` (what `bun --cpu-prof` writes) and ranks functions
 * by self time and by inclusive time, so a profile can be summarised in docs/benchmarks.md.
 *
 *   ./node_modules/.bin/bun bench/cpu-profile.ts <file.cpuprofile> [top=25]
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface FunctionCost {
  name: string;
  /** Share of all samples spent in the function itself. */
  selfShare: number;
  /** Share of samples with the function anywhere on the stack. */
  totalShare: number;
}

function label(node: ProfileNode): string {
  const f = node.callFrame;
  const file = f.url.replace(/^.*\/(main|work)\/[^/]*\//, "").replace(/^file:\/\//, "");
  return `${f.functionName || "(anonymous)"} ${file ? `${file}:${f.lineNumber + 1}` : ""}`.trim();
}

export function summarize(profile: CpuProfile): { samples: number; functions: FunctionCost[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let counted = 0;
  for (const id of profile.samples) {
    const node = byId.get(id);
    if (!node) continue;
    counted++;
    const name = label(node);
    self.set(name, (self.get(name) ?? 0) + 1);
    // Inclusive: every distinct function on the stack, once per sample.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur);
      if (!n) break;
      const l = label(n);
      if (seen.has(l)) continue;
      seen.add(l);
      total.set(l, (total.get(l) ?? 0) + 1);
    }
  }
  const functions = [...total.keys()].map((name) => ({
    name,
    selfShare: (self.get(name) ?? 0) / counted,
    totalShare: (total.get(name) ?? 0) / counted,
  }));
  return { samples: counted, functions };
}

if (import.meta.main) {
  const path = process.argv[2];
  if (!path) throw new Error("usage: bench/cpu-profile.ts <file.cpuprofile> [top]");
  const top = Number(process.argv[3] ?? 25);
  const { samples, functions } = summarize(JSON.parse(readFileSync(path, "utf8")) as CpuProfile);
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`.padStart(6);
  console.log(`${samples} samples\n\nby self time:`);
  for (const f of [...functions].sort((a, b) => b.selfShare - a.selfShare).slice(0, top))
    console.log(`${pct(f.selfShare)} self ${pct(f.totalShare)} total  ${f.name}`);
  console.log("\nby total time:");
  for (const f of [...functions].sort((a, b) => b.totalShare - a.totalShare).slice(0, top))
    console.log(`${pct(f.totalShare)} total ${pct(f.selfShare)} self  ${f.name}`);
}
