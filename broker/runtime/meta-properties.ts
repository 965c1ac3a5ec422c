/**
 * `meta.properties` in the data dir, in Kafka's KRaft format (version=1, cluster.id,
 * node.id): it ties a directory to one broker so two brokers never share a log, and
 * keeps the cluster id stable across restarts.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Random } from "../../storage/clock.ts";

export interface MetaProperties {
  version: number;
  clusterId: string;
  nodeId: number;
}

/** The data dir cannot be used by this broker; the message says why and what to do. */
export class DataDirError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DataDirError";
  }
}

export const META_FILE = "meta.properties";

export function parseProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith("!")) continue;
    const eq = line.search(/[=:]/);
    if (eq < 0) continue;
    out.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return out;
}

export function renderMetaProperties(meta: MetaProperties, nowMs: number): string {
  return [
    "#",
    `#${new Date(nowMs).toUTCString()}`,
    `cluster.id=${meta.clusterId}`,
    `node.id=${meta.nodeId}`,
    `version=${meta.version}`,
    "",
  ].join("\n");
}

/** Kafka cluster ids are a random UUID in unpadded base64url (22 characters). */
export function newClusterId(random: Random): string {
  const bytes = random.bytes(16);
  return Buffer.from(bytes).toString("base64url");
}

/**
 * Reads the data dir's identity, creating it on first start. Throws `DataDirError` when
 * the dir belongs to another node or cluster, or cannot be written.
 */
export function ensureMetaProperties(
  dataDir: string,
  want: { nodeId: number; clusterId: string },
  random: Random,
  nowMs: number,
): MetaProperties {
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (err) {
    throw new DataDirError(`cannot create data dir ${dataDir}: ${(err as Error).message}`);
  }
  const path = join(dataDir, META_FILE);
  let text: string | null = null;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new DataDirError(`cannot read ${path}: ${(err as Error).message}`);
    }
  }
  if (text !== null) {
    const meta = checkExisting(path, parseProperties(text), want);
    probeWritable(dataDir);
    return meta;
  }
  const meta: MetaProperties = {
    version: 1,
    clusterId: want.clusterId || newClusterId(random),
    nodeId: want.nodeId,
  };
  try {
    writeFileSync(`${path}.tmp`, renderMetaProperties(meta, nowMs));
    renameSync(`${path}.tmp`, path);
  } catch (err) {
    throw new DataDirError(`data dir ${dataDir} is not writable: ${(err as Error).message}`);
  }
  return meta;
}

function checkExisting(
  path: string,
  props: Map<string, string>,
  want: { nodeId: number; clusterId: string },
): MetaProperties {
  const nodeText = props.get("node.id") ?? props.get("broker.id");
  const clusterId = props.get("cluster.id");
  const version = Number(props.get("version") ?? "0");
  if (nodeText === undefined || !/^\d+$/.test(nodeText) || !clusterId) {
    throw new DataDirError(`${path} is missing node.id or cluster.id`);
  }
  const nodeId = Number(nodeText);
  if (nodeId !== want.nodeId) {
    throw new DataDirError(
      `${path} belongs to node.id=${nodeId}, but this broker is broker_id=${want.nodeId}; ` +
        "use another data dir or the matching broker_id",
    );
  }
  if (want.clusterId && want.clusterId !== clusterId) {
    throw new DataDirError(
      `${path} belongs to cluster.id=${clusterId}, but cluster_id=${want.clusterId} is configured`,
    );
  }
  return { version, clusterId, nodeId };
}

/** A restart must fail at once, not at the first produce, when the dir went read-only. */
function probeWritable(dataDir: string): void {
  const probe = join(dataDir, ".write-probe");
  try {
    writeFileSync(probe, "");
    rmSync(probe);
  } catch (err) {
    throw new DataDirError(`data dir ${dataDir} is not writable: ${(err as Error).message}`);
  }
}
