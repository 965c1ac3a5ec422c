/**
 * Offsets and timestamps are JavaScript numbers holding safe integers (Kafka's int64
 * values used in practice fit in 53 bits; batch validation rejects the rest). `Offset` is
 * branded so that an offset cannot be passed where a byte position or a count is expected.
 */
import { assert } from "./assert.ts";

export type Offset = number & { readonly __brand: "Offset" };

/** Checks and brands a log offset: a safe, non-negative integer. */
export function toOffset(n: number): Offset {
  assert(Number.isSafeInteger(n) && n >= 0, `offset ${n} is not a safe non-negative integer`);
  return n as Offset;
}

export function minOffset(a: Offset, b: Offset): Offset {
  return (a < b ? a : b) as Offset;
}

export function maxOffset(a: Offset, b: Offset): Offset {
  return (a > b ? a : b) as Offset;
}

/** Kafka's 20-digit zero-padded file name stem for a segment base offset. */
export function offsetFileStem(offset: number): string {
  return String(offset).padStart(20, "0");
}
