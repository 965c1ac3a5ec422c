/**
 * One client connection: frames in, responses out, in request order.
 *
 * Kafka clients pipeline: they send many requests before reading a response and match
 * answers by position as much as by correlation id, so responses leave in the order
 * requests arrived even when handlers finish out of order (a long-polling Fetch behind a
 * quick Metadata). Flow control has two triggers, both of which pause reading from the
 * socket so TCP pushes back on the client instead of us buffering without bound:
 *  - `maxInFlight` requests dispatched but not yet answered;
 *  - more than `maxQueuedWriteBytes` of responses the client has not read yet.
 * Reading resumes when both drop back (a response is written, the socket drains).
 */
import type { Clock, Timer } from "../../storage/clock.ts";
import type { Logger } from "../logger.ts";
import { type FrameError, FrameReader } from "./frame-reader.ts";
import type { ConnectionInfo, ConnectionIo, FrameHandler, FrameOutcome } from "./transport.ts";

export interface ConnectionOptions {
  maxFrameBytes: number;
  maxInFlight: number;
  /** Stop dispatching while this many response bytes wait for the client to read. */
  maxQueuedWriteBytes: number;
  /** Close after this long without traffic or work in progress (0: never). */
  idleTimeoutMs: number;
}

interface Slot {
  outcome: FrameOutcome | null;
}

/**
 * Responses queued together up to this size go out in one socket write. A group commit
 * acknowledges many produces at once; one write syscall per response was ~20% of the
 * broker's CPU in the single-record bench (docs/benchmarks.md).
 */
const COALESCE_MAX_BYTES = 64 * 1024;

export class Connection implements ConnectionInfo {
  private readonly reader: FrameReader;
  /** Frames received while dispatching was held back, oldest first. */
  private readonly held: Uint8Array[] = [];
  /** Dispatched requests in arrival order; the head is the next response to write. */
  private readonly slots: Slot[] = [];
  /** Response bytes not yet accepted by the socket, oldest first. */
  private readonly writeQueue: Uint8Array[] = [];
  private queuedWriteBytes = 0;
  private closed = false;
  /** Set once a request asked us to close: read nothing more, close after earlier answers. */
  private closing = false;
  private paused = false;
  private pumping = false;
  /** A microtask will write what asynchronous completions queued (see `complete`). */
  private flushScheduled = false;
  private idleTimer: Timer | null = null;
  private lastActivityMs: number;

  constructor(
    readonly id: number,
    private readonly io: ConnectionIo,
    private readonly handler: FrameHandler,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: ConnectionOptions,
    private readonly onClosed: (connection: Connection) => void = () => {},
  ) {
    this.reader = new FrameReader(options.maxFrameBytes);
    this.lastActivityMs = clock.monotonicMs();
    this.armIdleTimer(options.idleTimeoutMs);
  }

  get remote(): string {
    return this.io.remote;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Requests dispatched and not yet fully written. */
  get inFlight(): number {
    return this.slots.length;
  }

  onData(chunk: Uint8Array): void {
    if (this.closed || this.closing) return;
    this.lastActivityMs = this.clock.monotonicMs();
    const error = this.reader.push(chunk, (frame) => this.held.push(frame));
    if (error) {
      this.logger.warn("closing connection: bad frame size", {
        remote: this.remote,
        ...describeFrameError(error),
      });
      this.close();
      return;
    }
    this.pump();
  }

  onDrain(): void {
    if (this.closed) return;
    this.flushWrites();
    this.pump();
  }

  /** The socket went away (peer closed, error, or our own `close`). */
  onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.idleTimer?.cancel();
    this.idleTimer = null;
    if (this.reader.partial) {
      this.logger.debug("connection closed mid-frame", { remote: this.remote });
    }
    this.held.length = 0;
    this.slots.length = 0;
    this.writeQueue.length = 0;
    this.onClosed(this);
  }

  close(): void {
    if (this.closed) return;
    this.io.close();
    this.onClose();
  }

  /** Dispatch held frames while the limits allow; pause or resume reading to match. */
  private pump(): void {
    // Synchronous handlers complete inside `dispatch`, which calls back here; the guard
    // turns that recursion into iterations of the loop below.
    if (this.pumping) return;
    this.pumping = true;
    try {
      this.pumpOnce();
    } finally {
      this.pumping = false;
    }
  }

  private pumpOnce(): void {
    while (!this.closed && !this.closing && this.held.length > 0 && this.canDispatch()) {
      this.dispatch(this.held.shift()!);
    }
    if (this.closed) return;
    const mustPause = this.held.length > 0 || !this.canDispatch();
    if (mustPause && !this.paused) {
      this.paused = true;
      this.io.pauseReading();
    } else if (!mustPause && this.paused) {
      this.paused = false;
      this.io.resumeReading();
    }
  }

  private canDispatch(): boolean {
    return (
      this.slots.length < this.options.maxInFlight &&
      this.queuedWriteBytes <= this.options.maxQueuedWriteBytes
    );
  }

  private dispatch(frame: Uint8Array): void {
    const slot: Slot = { outcome: null };
    this.slots.push(slot);
    let result: FrameOutcome | Promise<FrameOutcome>;
    try {
      result = this.handler(frame, this);
    } catch (err) {
      result = { kind: "close", reason: `handler failed: ${errorText(err)}` };
    }
    if (result instanceof Promise) {
      result.then(
        (outcome) => this.complete(slot, outcome, true),
        (err) =>
          this.complete(slot, { kind: "close", reason: `handler failed: ${errorText(err)}` }, true),
      );
    } else {
      this.complete(slot, result);
    }
  }

  /**
   * `deferWrite`: an asynchronous completion leaves its response queued and writes in a
   * microtask, so responses completing in the same wave (one fsync acknowledging many
   * produces) share one socket write.
   */
  private complete(slot: Slot, outcome: FrameOutcome, deferWrite = false): void {
    if (this.closed) return;
    slot.outcome = outcome;
    this.lastActivityMs = this.clock.monotonicMs();
    // Write every finished response at the head; a later one waits for earlier ones.
    while (this.slots.length > 0 && this.slots[0]!.outcome !== null) {
      const head = this.slots.shift()!.outcome!;
      if (head.kind === "close") {
        this.logger.warn("closing connection", { remote: this.remote, reason: head.reason });
        this.closing = true;
        this.held.length = 0;
        this.slots.length = 0;
        break;
      }
      if (head.kind === "response") {
        this.writeQueue.push(head.frame);
        this.queuedWriteBytes += head.frame.length;
      }
    }
    if (deferWrite && this.writeQueue.length > 0) this.scheduleFlush();
    else this.flushWrites();
    if (this.closed) return;
    if (this.closing && this.writeQueue.length === 0) {
      this.close();
      return;
    }
    this.pump();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      if (this.closed) return;
      this.flushWrites();
      this.pump();
    });
  }

  /** Joins the small responses at the head of the queue into one buffer (one syscall). */
  private coalesceHead(): void {
    let n = 0;
    let bytes = 0;
    while (n < this.writeQueue.length && bytes + this.writeQueue[n]!.length <= COALESCE_MAX_BYTES) {
      bytes += this.writeQueue[n]!.length;
      n++;
    }
    if (n < 2) return;
    const joined = new Uint8Array(bytes);
    let off = 0;
    for (let i = 0; i < n; i++) {
      joined.set(this.writeQueue[i]!, off);
      off += this.writeQueue[i]!.length;
    }
    this.writeQueue.splice(0, n, joined);
  }

  private flushWrites(): void {
    if (this.writeQueue.length > 1) this.coalesceHead();
    while (!this.closed && this.writeQueue.length > 0) {
      const head = this.writeQueue[0]!;
      const written = this.io.write(head);
      if (written <= 0) return;
      this.queuedWriteBytes -= written;
      if (written < head.length) {
        this.writeQueue[0] = head.subarray(written);
        return;
      }
      this.writeQueue.shift();
    }
    if (this.closing && this.writeQueue.length === 0) this.close();
  }

  private armIdleTimer(delayMs: number): void {
    if (this.options.idleTimeoutMs <= 0 || this.closed) return;
    this.idleTimer = this.clock.setTimer(delayMs, () => this.checkIdle());
  }

  private checkIdle(): void {
    if (this.closed) return;
    const idleMs = this.clock.monotonicMs() - this.lastActivityMs;
    const busy = this.slots.length > 0 || this.writeQueue.length > 0;
    if (!busy && idleMs >= this.options.idleTimeoutMs) {
      this.logger.info("closing idle connection", {
        remote: this.remote,
        idle_ms: Math.round(idleMs),
      });
      this.close();
      return;
    }
    this.armIdleTimer(Math.max(1, this.options.idleTimeoutMs - (busy ? 0 : idleMs)));
  }
}

function describeFrameError(error: FrameError): Record<string, number | string> {
  if (error.kind === "too_large") {
    return {
      error: "frame larger than socket.request.max.bytes",
      size: error.size,
      max: error.max,
    };
  }
  return { error: "negative frame size", size: error.size };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
