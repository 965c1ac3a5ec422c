/**
 * The `file` storage engine (the default): Kafka's log-dir layout under `dataDir`.
 *
 *   <data>/meta.properties                    cluster.id, node.id (Kafka's format)
 *   <data>/metadata.json                       topics, ids, partition counts, configs
 *   <data>/log-start-offset-checkpoint         DeleteRecords/retention log starts
 *   <data>/replication-offset-checkpoint       high watermarks
 *   <data>/cleaner-offset-checkpoint           compaction progress
 *   <data>/.kafka_cleanshutdown                present only after a clean close
 *   <data>/<topic>-<partition>/                one FileLog each (see file-log.ts)
 *
 * The clean-shutdown marker is removed at open, so a crash at any later point makes the
 * next open scan each log's tail segment.
 */
import type { Clock, Random, Timer } from "../clock.ts";
import type {
  MetadataStore,
  OpenLogOptions,
  PartitionLog,
  StorageEngine,
  TopicPartitionRef,
} from "../engine.ts";
import { StorageError } from "../errors.ts";
import { type FileSystem, joinPath, parentDir } from "../fs.ts";
import { newKafkaId } from "../ids.ts";
import { type StorageLogger, silentStorageLogger } from "../logger.ts";
import {
  InMemoryMetadataStore,
  type MetadataState,
  parseMetadataState,
} from "../metadata-store.ts";
import { bytesText, textBytes, writeFileAtomic } from "./atomic-write.ts";
import { FileLog, PARTITION_METADATA } from "./file-log.ts";
import { type CheckpointEntry, CheckpointFile } from "./offset-checkpoint.ts";

export const CLEAN_SHUTDOWN_MARKER = ".kafka_cleanshutdown";
export const METADATA_FILE = "metadata.json";
export const META_PROPERTIES = "meta.properties";

export interface FileEngineOptions {
  dataDir: string;
  fs: FileSystem;
  clock: Clock;
  logger?: StorageLogger;
  /**
   * Used when the data dir is new ("" = generate one with `random`); an existing dir
   * keeps its stored cluster id.
   */
  clusterId: string;
  random?: Random;
  nodeId: number;
  /** Retention/compaction/flush.ms/checkpoint period; 0 disables the timer (tests). */
  maintenanceIntervalMs?: number;
}

export class FileEngine implements StorageEngine {
  readonly kind = "file" as const;
  readonly metadata: MetadataStore;
  private readonly logs = new Map<string, FileLog>();
  private readonly opening = new Map<string, Promise<FileLog>>();
  private readonly logStart: CheckpointFile;
  private readonly highWatermarks: CheckpointFile;
  private readonly cleanerOffsets: CheckpointFile;
  private saved = {
    logStart: new Map<string, number>(),
    hw: new Map<string, number>(),
    cleaner: new Map<string, number>(),
  };
  private timer: Timer | null = null;
  private maintaining = false;
  private closed = false;

  private constructor(
    private readonly options: FileEngineOptions,
    private readonly log: StorageLogger,
    metadata: MetadataStore,
    private readonly clean: boolean,
  ) {
    this.metadata = metadata;
    const { fs, dataDir } = options;
    const entries = (value: (l: FileLog) => number, saved: Map<string, number>) => () => {
      const out = new Map(saved);
      for (const [key, l] of this.logs) out.set(key, value(l));
      return [...out].map(([key, offset]) => splitKey(key, offset)).filter(isEntry);
    };
    this.logStart = new CheckpointFile(
      fs,
      dataDir,
      "log-start-offset-checkpoint",
      entries((l) => l.logStartOffset(), this.saved.logStart),
    );
    this.highWatermarks = new CheckpointFile(
      fs,
      dataDir,
      "replication-offset-checkpoint",
      entries((l) => l.highWatermark(), this.saved.hw),
    );
    this.cleanerOffsets = new CheckpointFile(
      fs,
      dataDir,
      "cleaner-offset-checkpoint",
      entries((l) => l.cleanerCheckpoint(), this.saved.cleaner),
    );
  }

  static async open(options: FileEngineOptions): Promise<FileEngine> {
    const { fs, dataDir } = options;
    const log = (options.logger ?? silentStorageLogger).child({ component: "storage" });
    if (!(await fs.exists(dataDir))) {
      await fs.mkdir(dataDir);
      await fs.syncDir(parentDir(dataDir));
    }
    const clean = await fs.exists(joinPath(dataDir, CLEAN_SHUTDOWN_MARKER));
    if (clean) {
      await fs.unlink(joinPath(dataDir, CLEAN_SHUTDOWN_MARKER));
      await fs.syncDir(dataDir);
    }
    const state = await loadMetadataState(options, log);
    const persist = (s: MetadataState) =>
      writeFileAtomic(fs, dataDir, METADATA_FILE, textBytes(JSON.stringify(s, null, 2)));
    const metadata = new InMemoryMetadataStore(state, persist);
    const engine = new FileEngine(options, log, metadata, clean);
    engine.saved.logStart = await engine.logStart.load();
    engine.saved.hw = await engine.highWatermarks.load();
    engine.saved.cleaner = await engine.cleanerOffsets.load();
    log.info("file storage opened", { data_dir: dataDir, clean_shutdown: clean });
    engine.schedule();
    return engine;
  }

  /** Whether the previous run ended with a clean close. */
  get openedClean(): boolean {
    return this.clean;
  }

  openLog(options: OpenLogOptions): Promise<PartitionLog> {
    if (this.closed) return Promise.reject(new StorageError("closed", "storage engine closed"));
    const key = `${options.topic}-${options.partition}`;
    const open = this.logs.get(key);
    if (open !== undefined) return Promise.resolve(open);
    let pending = this.opening.get(key);
    if (pending === undefined) {
      pending = this.doOpen(key, options).finally(() => this.opening.delete(key));
      this.opening.set(key, pending);
    }
    return pending;
  }

  private async doOpen(key: string, options: OpenLogOptions): Promise<FileLog> {
    const { fs, clock, dataDir } = this.options;
    const state = {
      clean: this.clean,
      ...opt("logStartOffset", this.saved.logStart.get(key)),
      ...opt("highWatermark", this.saved.hw.get(key)),
      ...opt("cleanerOffset", this.saved.cleaner.get(key)),
    };
    const log = await FileLog.open(
      joinPath(dataDir, key),
      options,
      {
        fs,
        clock,
        logger: this.log,
        persistLogStart: () => this.logStart.write(),
        persistCleanerOffset: () => this.cleanerOffsets.write(),
      },
      state,
    );
    this.logs.set(key, log);
    return log;
  }

  async listLogs(): Promise<TopicPartitionRef[]> {
    const { fs, dataDir } = this.options;
    const out: TopicPartitionRef[] = [];
    for (const name of await fs.readdir(dataDir)) {
      const m = /^(.+)-(\d+)$/.exec(name);
      if (m === null) continue;
      if (!(await fs.exists(joinPath(dataDir, name, PARTITION_METADATA)))) continue;
      out.push({ topic: m[1]!, partition: Number(m[2]) });
    }
    return out;
  }

  async deleteLog(topic: string, partition: number): Promise<void> {
    const key = `${topic}-${partition}`;
    const pending = this.opening.get(key);
    if (pending !== undefined) await pending.catch(() => {});
    const log = this.logs.get(key);
    this.logs.delete(key);
    if (log !== undefined) {
      if (log.isOffline()) await log.closeFilesQuietly();
      else await log.close().catch(() => log.closeFilesQuietly());
    }
    this.saved.logStart.delete(key);
    this.saved.hw.delete(key);
    this.saved.cleaner.delete(key);
    const { fs, dataDir } = this.options;
    await fs.removeTree(joinPath(dataDir, key));
    await fs.syncDir(dataDir);
    await this.writeCheckpoints();
  }

  async runMaintenance(): Promise<void> {
    if (this.maintaining || this.closed) return;
    this.maintaining = true;
    try {
      for (const log of [...this.logs.values()]) {
        if (log.isOffline()) continue;
        try {
          await log.applyRetention();
          await log.compact();
          await log.flushIfDue();
        } catch (err) {
          // An I/O error already took that log offline and was logged; others go on.
          if (!(err instanceof StorageError)) throw err;
        }
      }
      await this.highWatermarks.write();
    } finally {
      this.maintaining = false;
    }
  }

  private schedule(): void {
    const interval = this.options.maintenanceIntervalMs ?? 15_000;
    if (interval <= 0 || this.closed) return;
    this.timer = this.options.clock.setTimer(interval, () => {
      this.runMaintenance()
        .catch((err: unknown) => {
          this.log.error("storage maintenance failed", { error: String(err) });
        })
        .finally(() => this.schedule());
    });
  }

  private async writeCheckpoints(): Promise<void> {
    await this.logStart.write();
    await this.highWatermarks.write();
    await this.cleanerOffsets.write();
  }

  /**
   * Drops every open log without syncing, writing indexes or the clean-shutdown marker:
   * what a crash leaves behind, minus the process exit. For tests and the simulator.
   */
  async abandon(): Promise<void> {
    this.closed = true;
    this.timer?.cancel();
    await Promise.allSettled([...this.opening.values()]);
    for (const log of this.logs.values()) await log.closeFilesQuietly();
    this.logs.clear();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.timer?.cancel();
    await Promise.allSettled([...this.opening.values()]);
    let allClean = true;
    for (const log of this.logs.values()) {
      try {
        if (log.isOffline()) {
          allClean = false;
          await log.closeFilesQuietly();
        } else await log.close();
      } catch {
        allClean = false;
        await log.closeFilesQuietly();
      }
    }
    try {
      await this.writeCheckpoints();
    } catch (err) {
      allClean = false;
      this.log.error("could not write checkpoints at close", { error: String(err) });
    }
    this.logs.clear();
    if (!allClean) {
      this.log.warn("closed with offline partitions: the next start recovers them");
      return;
    }
    await writeFileAtomic(
      this.options.fs,
      this.options.dataDir,
      CLEAN_SHUTDOWN_MARKER,
      new Uint8Array(0),
    );
  }
}

async function loadMetadataState(
  options: FileEngineOptions,
  log: StorageLogger,
): Promise<MetadataState> {
  const { fs, dataDir } = options;
  const bytes = await fs.readFile(joinPath(dataDir, METADATA_FILE));
  if (bytes !== null) {
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(bytesText(bytes));
    } catch {
      parsed = null;
    }
    const state = parseMetadataState(parsed);
    if (state === null) {
      throw new StorageError(
        "corrupt_batch",
        `${joinPath(dataDir, METADATA_FILE)} is not readable`,
      );
    }
    if (state.nodeId !== options.nodeId) {
      log.warn("data dir belongs to another node id; keeping the stored one", {
        stored: state.nodeId,
        configured: options.nodeId,
      });
    }
    return state;
  }
  let clusterId = options.clusterId;
  if (clusterId === "") {
    if (options.random === undefined) {
      throw new StorageError("invalid_config", "a new data dir needs a cluster id or a Random");
    }
    clusterId = newKafkaId(options.random);
  }
  const state: MetadataState = {
    version: 1,
    clusterId,
    nodeId: options.nodeId,
    topics: [],
  };
  const props = `version=1\ncluster.id=${clusterId}\nnode.id=${options.nodeId}\n`;
  await writeFileAtomic(fs, dataDir, META_PROPERTIES, textBytes(props));
  await writeFileAtomic(fs, dataDir, METADATA_FILE, textBytes(JSON.stringify(state, null, 2)));
  return state;
}

function splitKey(key: string, offset: number): CheckpointEntry | null {
  const m = /^(.+)-(\d+)$/.exec(key);
  return m === null ? null : { topic: m[1]!, partition: Number(m[2]), offset };
}

function isEntry(e: CheckpointEntry | null): e is CheckpointEntry {
  return e !== null;
}

function opt<K extends string>(key: K, value: number | undefined): { [P in K]?: number } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: number };
}
