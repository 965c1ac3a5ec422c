/**
 * Output helpers shared by the admin commands: `--format text|json`, aligned tables in
 * the style of rpk, and JSON that never contains a bigint (offsets are numbers).
 */
import { Option } from "@commander-js/extra-typings";
import { CliExit, EXIT_USAGE } from "./exit.ts";

export type OutputFormat = "text" | "json";

export function formatOption(): Option<"--format <format>", undefined, "text", "text" | "json"> {
  return new Option("--format <format>", "output format")
    .choices(["text", "json"] as const)
    .default("text" as const);
}

export function writeJson(value: unknown): void {
  process.stdout.write(
    `${JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? Number(v) : v instanceof Uint8Array ? new TextDecoder().decode(v) : v))}\n`,
  );
}

/** Prints rows under upper-case headers, columns padded to the widest cell (as rpk does). */
export function writeTable(
  headers: readonly string[],
  rows: readonly (readonly unknown[])[],
): void {
  const cells = [headers.map((h) => h.toUpperCase()), ...rows.map((r) => r.map(cellText))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const lines = cells.map((r) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd(),
  );
  process.stdout.write(`${lines.join("\n")}\n`);
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return "-";
  if (Array.isArray(v)) return v.join(",");
  return String(v);
}

export function writeLine(s = ""): void {
  process.stdout.write(`${s}\n`);
}

export function usageError(message: string): CliExit {
  return new CliExit(EXIT_USAGE, message);
}

/** Parses "250ms", "30s", "5m", "1h" or a bare number of milliseconds. */
export function parseDurationMs(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw usageError(`invalid duration "${text}" (use e.g. 500ms, 30s, 5m)`);
  const n = Number(m[1]);
  const unit = m[2] ?? "ms";
  const factor = unit === "ms" ? 1 : unit === "s" ? 1000 : unit === "m" ? 60_000 : 3_600_000;
  return Math.round(n * factor);
}

/** Parses an integer flag, failing with a usage error that names the flag. */
export function parseIntFlag(flag: string, text: string, min = Number.MIN_SAFE_INTEGER): number {
  if (!/^-?\d+$/.test(text.trim())) throw usageError(`${flag} must be an integer, got "${text}"`);
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min)
    throw usageError(`${flag} must be an integer ≥ ${min}, got "${text}"`);
  return n;
}

/** Parses "k=v" pairs (repeatable flags) into an ordered list. */
export function parseKeyValues(flag: string, items: readonly string[]): [string, string][] {
  return items.map((item) => {
    const eq = item.indexOf("=");
    if (eq <= 0) throw usageError(`${flag} expects key=value, got "${item}"`);
    return [item.slice(0, eq), item.slice(eq + 1)];
  });
}

/** Commander collector for repeatable options. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Prints "KEY  value" lines, keys padded (rpk's summary sections). */
export function writePairs(pairs: readonly (readonly [string, unknown])[]): void {
  const width = Math.max(...pairs.map(([k]) => k.length));
  process.stdout.write(
    `${pairs.map(([k, v]) => `${k.padEnd(width)}  ${cellText(v)}`.trimEnd()).join("\n")}\n`,
  );
}
