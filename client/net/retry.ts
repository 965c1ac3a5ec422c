/** Exponential backoff with jitter for retriable failures (KIP-580 style). */
import { isRetriable } from "../errors.ts";

export interface RetryOptions {
  retries: number;
  backoffMs: number;
  backoffMaxMs: number;
  /** Called before each retry, e.g. to refresh metadata after NOT_LEADER_OR_FOLLOWER. */
  onRetry?: (err: unknown, attempt: number) => Promise<void> | void;
  /** Overrides the default retriable test. */
  retriable?: (err: unknown) => boolean;
}

export function backoffDelayMs(attempt: number, backoffMs: number, backoffMaxMs: number): number {
  const exp = Math.min(backoffMs * 2 ** attempt, backoffMaxMs);
  return exp * (0.8 + Math.random() * 0.4);
}

export async function withRetries<T>(
  fn: (attempt: number) => Promise<T>,
  opts: RetryOptions,
): Promise<T> {
  const retriable = opts.retriable ?? isRetriable;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= opts.retries || !retriable(err)) throw err;
      await Bun.sleep(backoffDelayMs(attempt, opts.backoffMs, opts.backoffMaxMs));
      await opts.onRetry?.(err, attempt);
    }
  }
}
