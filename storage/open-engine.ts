/**
 * Chooses and opens the configured storage engine (`storage_engine` in the broker config).
 */
import type { Clock, Random } from "./clock.ts";
import type { StorageEngine, StorageEngineKind } from "./engine.ts";
import { FileEngine } from "./file/file-engine.ts";
import type { FileSystem } from "./fs.ts";
import { newKafkaId } from "./ids.ts";
import type { StorageLogger } from "./logger.ts";
import { MemoryEngine } from "./memory/memory-engine.ts";
import { nodeFileSystem } from "./runtime/node-fs.ts";

export interface OpenEngineOptions {
  kind: StorageEngineKind;
  dataDir: string;
  clock: Clock;
  logger?: StorageLogger;
  /** "" = generate (file: once, persisted) with `random`. */
  clusterId: string;
  nodeId: number;
  random?: Random;
  /** Defaults to the real disk; tests and the simulator pass their own. */
  fs?: FileSystem;
  maintenanceIntervalMs?: number;
}

export async function openStorageEngine(options: OpenEngineOptions): Promise<StorageEngine> {
  switch (options.kind) {
    case "memory":
      return new MemoryEngine({
        clock: options.clock,
        nodeId: options.nodeId,
        clusterId:
          options.clusterId === "" && options.random
            ? newKafkaId(options.random)
            : options.clusterId,
      });
    case "file":
      return FileEngine.open({
        dataDir: options.dataDir,
        fs: options.fs ?? nodeFileSystem,
        clock: options.clock,
        clusterId: options.clusterId,
        nodeId: options.nodeId,
        ...(options.logger ? { logger: options.logger } : {}),
        ...(options.random ? { random: options.random } : {}),
        ...(options.maintenanceIntervalMs !== undefined
          ? { maintenanceIntervalMs: options.maintenanceIntervalMs }
          : {}),
      });
  }
}
