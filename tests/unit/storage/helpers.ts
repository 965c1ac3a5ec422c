/** Shared fixtures for the storage tests: batches, engines, temp dirs. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildRecordBatch } from "../../../protocol/records/batch.ts";
import { RecordBatchHeader } from "../../../protocol/records/batch-header.ts";
import type { RecordInput } from "../../../protocol/records/record.ts";
import type { PartitionLog, StorageEngine } from "../../../storage/engine.ts";
import { FileEngine } from "../../../storage/file/file-engine.ts";
import type { FileSystem } from "../../../storage/fs.ts";
import { KAFKA_LOG_DEFAULTS, type LogConfig } from "../../../storage/log-config.ts";
import { MemoryEngine } from "../../../storage/memory/memory-engine.ts";
import { nodeFileSystem } from "../../../storage/runtime/node-fs.ts";
import { ManualClock } from "../../../storage/testing/manual-clock.ts";

export const encoder = new TextEncoder();
export const decoder = new TextDecoder();

export interface BatchSpec {
  count?: number;
  /** Key of record i: `${keyPrefix}${i}`; null: keyless. */
  keys?: Array<string | null>;
  values?: Array<string | null>;
  timestamp?: number;
  valueBytes?: number;
  transactional?: boolean;
  producerId?: number;
}

/** A valid v2 batch with base offset 0 (the log stamps the real one). */
export function makeBatch(spec: BatchSpec = {}): Uint8Array {
  const count = spec.keys?.length ?? spec.values?.length ?? spec.count ?? 1;
  const ts = spec.timestamp ?? 1_700_000_000_000;
  const records: RecordInput[] = [];
  for (let i = 0; i < count; i++) {
    const key = spec.keys ? spec.keys[i] : `k${i}`;
    const value = spec.values ? spec.values[i] : "v".repeat(spec.valueBytes ?? 10) + String(i);
    records.push({
      key: key === null || key === undefined ? null : encoder.encode(key),
      value: value === null || value === undefined ? null : encoder.encode(value),
      timestamp: ts + i,
    });
  }
  return buildRecordBatch({
    records,
    ...(spec.transactional ? { transactional: true } : {}),
    ...(spec.producerId !== undefined
      ? { producerId: spec.producerId, producerEpoch: 0, baseSequence: 0 }
      : {}),
  });
}

/** Splits a read result into its batches' [baseOffset, lastOffset, bytes]. */
export function splitBatches(
  records: Uint8Array,
): Array<{ base: number; last: number; bytes: Uint8Array }> {
  const out: Array<{ base: number; last: number; bytes: Uint8Array }> = [];
  let pos = 0;
  while (pos < records.length) {
    const h = new RecordBatchHeader(records, pos);
    out.push({
      base: h.baseOffset,
      last: h.lastOffset,
      bytes: records.subarray(pos, pos + h.sizeInBytes),
    });
    pos += h.sizeInBytes;
  }
  return out;
}

export function config(overrides: Partial<LogConfig> = {}): LogConfig {
  return { ...KAFKA_LOG_DEFAULTS, ...overrides };
}

export function tempDir(prefix = "datacore-storage-"): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** How a contract test gets an engine, and (file) a fresh one over the same data. */
export interface EngineHarness {
  name: "memory" | "file";
  clock: ManualClock;
  engine: StorageEngine;
  /** Close and reopen (file); null for engines that keep nothing. */
  restart: (() => Promise<StorageEngine>) | null;
  dispose(): Promise<void>;
}

export async function memoryHarness(): Promise<EngineHarness> {
  const clock = new ManualClock();
  const engine = new MemoryEngine({ clock, clusterId: "test-cluster", nodeId: 1 });
  return { name: "memory", clock, engine, restart: null, dispose: () => engine.close() };
}

export async function fileHarness(fs: FileSystem = nodeFileSystem): Promise<EngineHarness> {
  const clock = new ManualClock();
  const dir = tempDir();
  const open = () =>
    FileEngine.open({
      dataDir: dir.path,
      fs,
      clock,
      clusterId: "test-cluster",
      nodeId: 1,
      maintenanceIntervalMs: 0,
    });
  const harness: EngineHarness = {
    name: "file",
    clock,
    engine: await open(),
    restart: async () => {
      await harness.engine.close();
      harness.engine = await open();
      return harness.engine;
    },
    dispose: async () => {
      await harness.engine.close().catch(() => {});
      dir.remove();
    },
  };
  return harness;
}

export const HARNESSES: ReadonlyArray<[string, () => Promise<EngineHarness>]> = [
  ["memory", memoryHarness],
  ["file", () => fileHarness()],
];

export const TOPIC_ID = "AAAAAAAAAAAAAAAAAAAAAQ";

export function openLog(
  engine: StorageEngine,
  cfg: LogConfig = config(),
  partition = 0,
): Promise<PartitionLog> {
  return engine.openLog({ topic: "events", partition, topicId: TOPIC_ID, config: cfg });
}

export function valuesOf(records: Uint8Array): string[] {
  const out: string[] = [];
  for (const b of splitBatches(records)) {
    out.push(`${b.base}-${b.last}`);
  }
  return out;
}

/** A StorageLogger that keeps lines for assertions. */
export interface CapturedLine {
  level: string;
  msg: string;
  fields: Record<string, unknown>;
}

export function captureLogger(lines: CapturedLine[] = [], base: Record<string, unknown> = {}) {
  const emit = (level: string) => (msg: string, fields?: Record<string, unknown>) => {
    lines.push({ level, msg, fields: { ...base, ...fields } });
  };
  const logger = {
    debug: emit("debug"),
    info: emit("info"),
    warn: emit("warn"),
    error: emit("error"),
    child: (fields: Record<string, unknown>) => captureLogger(lines, { ...base, ...fields }).logger,
  };
  return { logger, lines };
}
