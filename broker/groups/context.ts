/**
 * What the group state machines share: injected time and randomness, settings, the log
 * they persist to, a view of the broker's topics, and the group and offset tables.
 * Everything here is touched only from synchronous code paths; a state change reads and
 * writes these tables without an `await` in between, then awaits its log append.
 */
import type { Clock, Random } from "../../storage/clock.ts";
import type { Logger } from "../logger.ts";
import type { ClassicGroup } from "./classic-group.ts";
import type { ConsumerGroup } from "./consumer-group.ts";
import type { GroupLog, GroupRecord } from "./group-log.ts";
import type { OffsetStore } from "./offsets.ts";
import { partitionForGroup } from "./partitioner.ts";

export interface GroupSettings {
  initialRebalanceDelayMs: number;
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  /** Members per group (classic and consumer). */
  maxGroupSize: number;
  offsetsRetentionMs: number;
  /** Kafka's offset.metadata.max.bytes. */
  offsetMetadataMaxBytes: number;
  consumerHeartbeatIntervalMs: number;
  consumerSessionTimeoutMs: number;
}

export interface TopicInfo {
  name: string;
  /** Kafka topic id (22-char base64 Uuid string). */
  id: string;
  partitions: number;
}

/** The broker's topics as the coordinator sees them (KIP-848 assignment, OffsetDelete). */
export interface TopicCatalog {
  list(): TopicInfo[];
  byName(name: string): TopicInfo | undefined;
  byId(id: string): TopicInfo | undefined;
}

export type Group = ClassicGroup | ConsumerGroup;

export interface GroupContext {
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly settings: GroupSettings;
  readonly log: GroupLog;
  readonly topics: TopicCatalog;
  readonly groups: Map<string, Group>;
  readonly offsets: OffsetStore;
}

/** Appends a group's records to its partition (call synchronously, then await). */
export function writeGroupRecords(
  ctx: GroupContext,
  groupId: string,
  records: readonly GroupRecord[],
): Promise<void> {
  return ctx.log.append(partitionForGroup(groupId, ctx.log.partitionCount), records);
}

/** Java's UUID.randomUUID().toString() shape, for classic member ids. */
export function randomUuidString(ctx: { random: Random }): string {
  const b = ctx.random.bytes(16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Kafka's Uuid.randomUuid().toString(): 22 chars of base64url, for KIP-848 member ids. */
export function randomKafkaUuid(ctx: { random: Random }): string {
  for (;;) {
    const b = ctx.random.bytes(16);
    const s = Buffer.from(b).toString("base64url");
    // Kafka never hands out ids that start with '-' (they read like CLI flags).
    if (!s.startsWith("-")) return s;
  }
}
