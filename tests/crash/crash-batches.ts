/** Deterministic batches for the crash test: the same (run, writer, seq) gives the same bytes. */
import { buildRecordBatch } from "../../protocol/records/batch.ts";
import { KAFKA_LOG_DEFAULTS, type LogConfig } from "../../storage/log-config.ts";

export const CRASH_TOPIC = "crash";
export const CRASH_LOG_CONFIG: LogConfig = {
  ...KAFKA_LOG_DEFAULTS,
  segmentBytes: 256 * 1024,
  indexIntervalBytes: 1024,
};

const encoder = new TextEncoder();

export function crashBatch(run: number, writer: number, seq: number): Uint8Array {
  const count = 1 + ((run * 31 + writer * 7 + seq) % 4);
  const size = (run * 7919 + writer * 104_729 + seq * 1_299_709) % 6000;
  const records = [];
  for (let i = 0; i < count; i++) {
    records.push({
      key: encoder.encode(`r${run}-w${writer}-s${seq}-${i}`),
      value: encoder.encode(`${"x".repeat(size >> i)}|${run}:${writer}:${seq}:${i}`),
      timestamp: 1_700_000_000_000 + seq,
    });
  }
  return buildRecordBatch({ records });
}
