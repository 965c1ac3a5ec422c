/** "host:port" parsing for bootstrap lists ("a:9092,b:9092", IPv6 as "[::1]:9092"). */
import { ClientError } from "../errors.ts";

export interface HostPort {
  host: string;
  port: number;
}

export function parseHostPort(text: string, defaultPort = 9092): HostPort {
  const s = text.trim();
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (v6) return { host: v6[1]!, port: v6[2] ? Number(v6[2]) : defaultPort };
  const i = s.lastIndexOf(":");
  const host = i >= 0 ? s.slice(0, i) : s;
  const portText = i >= 0 ? s.slice(i + 1) : String(defaultPort);
  const port = Number(portText);
  if (!host || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new ClientError(
      "invalid_argument",
      `invalid broker address "${text}" (expected host:port)`,
    );
  }
  return { host, port };
}

export function parseBrokerList(list: string | readonly string[]): HostPort[] {
  const items = typeof list === "string" ? list.split(",") : list.flatMap((s) => s.split(","));
  const out = items.filter((s) => s.trim() !== "").map((s) => parseHostPort(s));
  if (out.length === 0) throw new ClientError("invalid_argument", "no broker addresses given");
  return out;
}
