/**
 * Structured logging to a sink (stdout in production, an array in tests). A line carries
 * a level, a message and flat fields; `text` renders `ts LEVEL msg k=v`, `json` one JSON
 * object per line. The clock is injected so simulated runs log simulated time.
 */
import type { LogFormat, LogLevel } from "./config.ts";

export type LogFields = Record<string, string | number | bigint | boolean | null | undefined>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (e.g. `{ component: "storage" }`). */
  child(fields: LogFields): Logger;
}

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat;
  write: (line: string) => void;
  nowMs: () => number;
}

export function createLogger(options: LoggerOptions, base: LogFields = {}): Logger {
  const minRank = LEVEL_RANK[options.level];
  const emit = (level: LogLevel, msg: string, fields: LogFields | undefined) => {
    if (LEVEL_RANK[level] < minRank) return;
    const all = fields ? { ...base, ...fields } : base;
    const ts = new Date(options.nowMs()).toISOString();
    options.write(
      options.format === "json" ? jsonLine(ts, level, msg, all) : textLine(ts, level, msg, all),
    );
  };
  return {
    debug: (msg, fields) => emit("debug", msg, fields),
    info: (msg, fields) => emit("info", msg, fields),
    warn: (msg, fields) => emit("warn", msg, fields),
    error: (msg, fields) => emit("error", msg, fields),
    child: (fields) => createLogger(options, { ...base, ...fields }),
  };
}

/** Discards everything: for library users and tests that do not care. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silentLogger,
};

function jsonLine(ts: string, level: LogLevel, msg: string, fields: LogFields): string {
  const record: Record<string, unknown> = { ts, level, msg };
  for (const [k, v] of Object.entries(fields)) {
    if (v !== undefined) record[k] = typeof v === "bigint" ? v.toString() : v;
  }
  return `${JSON.stringify(record)}\n`;
}

function textLine(ts: string, level: LogLevel, msg: string, fields: LogFields): string {
  let line = `${ts} ${level.toUpperCase().padEnd(5)} ${msg}`;
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    const s = String(v);
    line += ` ${k}=${/[\s"=]/.test(s) || s === "" ? JSON.stringify(s) : s}`;
  }
  return `${line}\n`;
}
