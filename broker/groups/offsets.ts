/**
 * Committed offsets, per group and partition: the in-memory image of the OffsetCommit
 * records in `__consumer_offsets`. Changed only after the record is durable, so what
 * OffsetFetch returns has always been acknowledged.
 */
import type { OffsetCommitValue } from "./records.ts";

export interface CommittedOffset extends OffsetCommitValue {}

export class OffsetStore {
  /** group → topic → partition → offset. */
  private readonly byGroup = new Map<string, Map<string, Map<number, CommittedOffset>>>();

  get(group: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.byGroup.get(group)?.get(topic)?.get(partition);
  }

  set(group: string, topic: string, partition: number, value: CommittedOffset): void {
    let topics = this.byGroup.get(group);
    if (!topics) {
      topics = new Map();
      this.byGroup.set(group, topics);
    }
    let parts = topics.get(topic);
    if (!parts) {
      parts = new Map();
      topics.set(topic, parts);
    }
    parts.set(partition, value);
  }

  delete(group: string, topic: string, partition: number): void {
    const topics = this.byGroup.get(group);
    const parts = topics?.get(topic);
    if (!topics || !parts) return;
    parts.delete(partition);
    if (parts.size === 0) topics.delete(topic);
    if (topics.size === 0) this.byGroup.delete(group);
  }

  deleteGroup(group: string): void {
    this.byGroup.delete(group);
  }

  hasOffsets(group: string): boolean {
    return this.byGroup.has(group);
  }

  /** Every committed offset of a group, topic by topic. */
  entries(group: string): { topic: string; partition: number; value: CommittedOffset }[] {
    const out: { topic: string; partition: number; value: CommittedOffset }[] = [];
    for (const [topic, parts] of this.byGroup.get(group) ?? []) {
      for (const [partition, value] of parts) out.push({ topic, partition, value });
    }
    return out;
  }

  topicsOf(group: string): string[] {
    return [...(this.byGroup.get(group)?.keys() ?? [])];
  }

  groupIds(): string[] {
    return [...this.byGroup.keys()];
  }
}
