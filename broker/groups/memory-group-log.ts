/**
 * An in-memory `GroupLog` for unit tests and the simulator: records are kept as the
 * encoded bytes they would have in `__consumer_offsets`, so replaying them exercises the
 * real record formats. `failAppends` makes the next appends reject like a broken disk.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { CoordinatorLogError } from "../core/internal-topic.ts";
import type { GroupLog, GroupRecord } from "./group-log.ts";

export class MemoryGroupLog implements GroupLog {
  readonly partitions: GroupRecord[][];
  failAppends = 0;

  constructor(readonly partitionCount = 4) {
    this.partitions = Array.from({ length: partitionCount }, () => []);
  }

  append(partition: number, records: readonly GroupRecord[]): Promise<void> {
    if (this.failAppends > 0) {
      this.failAppends--;
      return Promise.reject(
        new CoordinatorLogError("injected append failure", ErrorCode.COORDINATOR_NOT_AVAILABLE),
      );
    }
    const target = this.partitions[partition];
    if (!target) return Promise.reject(new Error(`no partition ${partition}`));
    for (const r of records) target.push({ key: r.key.slice(), value: r.value?.slice() ?? null });
    return Promise.resolve();
  }

  async replay(
    partition: number,
    onRecord: (key: Uint8Array, value: Uint8Array | null) => void,
  ): Promise<void> {
    for (const r of this.partitions[partition] ?? []) onRecord(r.key, r.value);
  }

  recordCount(): number {
    return this.partitions.reduce((n, p) => n + p.length, 0);
  }
}
