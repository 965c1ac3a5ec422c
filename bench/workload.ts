/**
 * What every workload shares: its options, the payload, when to stop, creating the topic,
 * and pacing to a `--throughput` cap.
 */
import type { Admin } from "../client/index.ts";
import type { CompressionName } from "../client/producer/compression.ts";
import type { MeterSummary } from "./meter.ts";

export type WorkloadName = "produce" | "consume" | "e2e" | "single-record";

export interface WorkloadOptions {
  brokers: string;
  topic: string;
  partitions: number;
  /** Stop after this many records (0: no limit; then `durationMs` must be set). */
  records: number;
  /** Stop after this long (0: no limit; then `records` must be set). */
  durationMs: number;
  recordSize: number;
  /** 0: no key (sticky partitioning); otherwise keys of this size, spread by murmur2. */
  keySize: number;
  /** Client instances (each with its own connections). */
  clients: number;
  acks: 0 | 1 | -1;
  compression: CompressionName;
  lingerMs: number;
  batchBytes: number;
  /** Records per second cap across all clients (0: as fast as possible). */
  throughput: number;
  /** single-record: concurrent producers awaiting their own acknowledgement. */
  concurrency: number;
  /** single-record: Producer instances they share (spread over the clients' connections). */
  producers: number;
  /** consume: materialise records with the consumer (true) or count them from batch headers. */
  decode: boolean;
  /** Progress line interval (0: none). */
  progressMs: number;
  /** Where progress lines go (stderr for the CLI). */
  log: (line: string) => void;
  /** Called when the measured phase starts (after set-up and any fill), e.g. to read CPU. */
  onMeasureStart?: () => void;
}

export const DEFAULT_OPTIONS: Omit<WorkloadOptions, "brokers" | "log"> = {
  topic: "datacore-bench",
  partitions: 4,
  records: 0,
  durationMs: 10_000,
  recordSize: 100,
  keySize: 0,
  clients: 1,
  acks: -1,
  compression: "none",
  lingerMs: 5,
  batchBytes: 1024 * 1024,
  throughput: 0,
  concurrency: 500,
  producers: 4,
  decode: true,
  progressMs: 1000,
};

export interface WorkloadResult extends MeterSummary {
  workload: WorkloadName;
  /** The options that shaped the run (for the JSON output). */
  config: Record<string, unknown>;
}

/** A value of `size` bytes of upper-case letters (as Kafka's producer-perf-test sends). */
export function payload(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = 65 + ((x >>> 0) % 26);
  }
  return out;
}

/** Writes `n` as decimal digits right-aligned into `key` (reused buffer, no allocation). */
export function writeKey(key: Uint8Array, n: number): void {
  let v = n;
  let i = key.length - 1;
  // Float division only while the number is beyond int32; then integer steps, then padding.
  for (; i >= 0 && v > 0x7fffffff; i--) {
    key[i] = 48 + (v % 10);
    v = Math.floor(v / 10);
  }
  for (; i >= 0 && v > 0; i--) {
    const q = (v / 10) | 0;
    key[i] = 48 + v - q * 10;
    v = q;
  }
  for (; i >= 0; i--) key[i] = 48;
}

/** Decides when a run is over: a record budget, a deadline, or both (first wins). */
export class StopCondition {
  private readonly deadlineMs: number;
  private stopped = false;

  constructor(
    private readonly records: number,
    durationMs: number,
    startMs = performance.now(),
  ) {
    if (records <= 0 && durationMs <= 0) throw new RangeError("need --records or --duration");
    this.deadlineMs = durationMs > 0 ? startMs + durationMs : Number.POSITIVE_INFINITY;
  }

  /** How many of `want` more records may still be started, given `started` so far. */
  allowance(started: number, want: number): number {
    if (this.stopped || performance.now() >= this.deadlineMs) {
      this.stopped = true;
      return 0;
    }
    return this.records > 0 ? Math.max(0, Math.min(want, this.records - started)) : want;
  }

  get done(): boolean {
    return this.stopped || performance.now() >= this.deadlineMs;
  }

  stop(): void {
    this.stopped = true;
  }
}

/**
 * Paces a sender to `perSec` records per second. `due(sent)` says how many records are
 * due now; `intendedMs(k)` is when record k should have gone out, so latency under a cap
 * is measured from the schedule and a stalled broker cannot hide its stall (coordinated
 * omission).
 */
export class Pacer {
  constructor(
    private readonly perSec: number,
    private readonly startMs: number,
  ) {}

  get unlimited(): boolean {
    return this.perSec <= 0;
  }

  due(sent: number, nowMs = performance.now()): number {
    if (this.perSec <= 0) return Number.POSITIVE_INFINITY;
    return Math.floor(((nowMs - this.startMs) / 1000) * this.perSec) - sent;
  }

  intendedMs(k: number): number {
    return this.startMs + (k / this.perSec) * 1000;
  }
}

/** Creates the topic if it does not exist (an existing one is used as it is). */
export async function ensureTopic(admin: Admin, name: string, partitions: number): Promise<void> {
  const [result] = await admin.createTopics([{ name, partitions }]);
  if (result?.error && result.error.errorName !== "TOPIC_ALREADY_EXISTS") throw result.error;
}

/** Splits `total` into `parts` near-equal shares (the first ones get the remainder). */
export function shares(total: number, parts: number): number[] {
  return Array.from(
    { length: parts },
    (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0),
  );
}

export function acksName(acks: 0 | 1 | -1): string {
  return acks === -1 ? "all" : String(acks);
}
