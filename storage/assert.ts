/**
 * Invariant checks that stay on in production (STYLE.md, TigerBeetle): a broken invariant
 * is a bug, so it throws and crashes the process rather than corrupting a log.
 */

export class AssertionError extends Error {
  constructor(message: string) {
    super(`assertion failed: ${message}`);
    this.name = "AssertionError";
  }
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}
