/**
 * One TCP connection to one broker: frames requests, matches responses by correlation id,
 * and pipelines up to `maxInFlight` requests (Kafka answers in request order on a
 * connection, so responses are matched FIFO and the correlation id is checked).
 * Requests past the in-flight limit wait in a queue, which is how back-pressure reaches
 * the producer.
 */
import type { Socket } from "bun";
import { Reader } from "../../protocol/codec/reader.ts";
import type { Writer } from "../../protocol/codec/writer.ts";
import { ClientError } from "../errors.ts";
import { FrameSplitter } from "./frames.ts";
import { SegmentWriter } from "./segment-writer.ts";

export interface RequestSpec<T> {
  apiKey: number;
  apiVersion: number;
  /** Request header version: 1 (classic) or 2 (flexible, with tagged fields). */
  requestHeaderVersion: 1 | 2;
  /** Response header version: 0 (classic) or 1 (flexible). ApiVersions always answers with 0. */
  responseHeaderVersion: 0 | 1;
  encode(w: Writer): void;
  /** Absent when the broker sends no response (Produce with acks=0). */
  decode: ((r: Reader) => T) | null;
  timeoutMs?: number;
}

interface Pending {
  correlationId: number;
  responseHeaderVersion: 0 | 1;
  decode: (r: Reader) => unknown;
  resolve(v: unknown): void;
  reject(e: unknown): void;
  timer: ReturnType<typeof setTimeout> | null;
}

interface Queued {
  spec: RequestSpec<unknown>;
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

export interface ConnectionOptions {
  host: string;
  port: number;
  clientId: string;
  maxInFlight: number;
  requestTimeoutMs: number;
  connectTimeoutMs: number;
  maxFrameBytes?: number;
}

export class BrokerConnection {
  readonly #opts: ConnectionOptions;
  #socket: Socket<undefined> | null = null;
  #correlation = 0;
  readonly #inFlight: Pending[] = [];
  readonly #queue: Queued[] = [];
  /** Large record batches stay out of it: they are written to the socket from where they are. */
  readonly #writer = new SegmentWriter(64 * 1024);
  /** Bytes the kernel did not take yet; flushed on drain. */
  #backlog: Uint8Array[] = [];
  readonly #frames: FrameSplitter;
  #closedError: ClientError | null = null;
  #onClose: (() => void) | null = null;

  private constructor(opts: ConnectionOptions) {
    this.#opts = opts;
    this.#frames = new FrameSplitter(opts.maxFrameBytes ?? 256 * 1024 * 1024);
  }

  get address(): string {
    return `${this.#opts.host}:${this.#opts.port}`;
  }

  get closed(): boolean {
    return this.#closedError !== null;
  }

  /** Called once when the connection ends for any reason. */
  set onClose(fn: () => void) {
    this.#onClose = fn;
  }

  static async connect(opts: ConnectionOptions): Promise<BrokerConnection> {
    const conn = new BrokerConnection(opts);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new ClientError(
              "timeout",
              `connecting to ${conn.address} timed out after ${opts.connectTimeoutMs} ms`,
            ),
          ),
        opts.connectTimeoutMs,
      );
    });
    try {
      conn.#socket = await Promise.race([
        Bun.connect<undefined>({
          hostname: opts.host,
          port: opts.port,
          socket: {
            data: (_s, data) => conn.#onData(data),
            drain: () => conn.#flush(),
            close: () =>
              conn.#fail(new ClientError("connection", `connection to ${conn.address} closed`)),
            error: (_s, err) =>
              conn.#fail(
                new ClientError(
                  "connection",
                  `connection to ${conn.address} failed: ${err.message}`,
                  { cause: err },
                ),
              ),
          },
        }),
        timeout,
      ]);
    } catch (err) {
      if (err instanceof ClientError) throw err;
      const msg = err instanceof Error ? err.message : String(err);
      throw new ClientError("connection", `cannot connect to ${conn.address}: ${msg}`, {
        cause: err,
      });
    } finally {
      clearTimeout(timer);
    }
    conn.#socket.setNoDelay(true);
    return conn;
  }

  request<T>(spec: RequestSpec<T>): Promise<T> {
    if (this.#closedError) return Promise.reject(this.#closedError);
    return new Promise<T>((resolve, reject) => {
      const q = {
        spec: spec as RequestSpec<unknown>,
        resolve: resolve as (v: unknown) => void,
        reject,
      };
      this.#queue.push(q);
      this.#sendQueued();
    });
  }

  /**
   * Sends queued requests while the in-flight limit allows. A loop, not one per response:
   * a request without a response (acks=0) or one that fails to encode frees its slot at
   * once, and a queued request behind it would otherwise wait for a response that may
   * never come (and, not yet sent, it has no timeout either).
   */
  #sendQueued(): void {
    while (
      !this.#closedError &&
      this.#queue.length > 0 &&
      this.#inFlight.length < this.#opts.maxInFlight
    ) {
      this.#send(this.#queue.shift()!);
    }
  }

  close(): void {
    this.#fail(new ClientError("closed", `connection to ${this.address} closed by the client`));
  }

  #send(q: Queued): void {
    const { spec } = q;
    this.#correlation = (this.#correlation + 1) & 0x7fffffff;
    const correlationId = this.#correlation;
    const w = this.#writer.reset();
    w.int32(0);
    w.int16(spec.apiKey);
    w.int16(spec.apiVersion);
    w.int32(correlationId);
    w.nullableString(this.#opts.clientId);
    if (spec.requestHeaderVersion === 2) w.uvarint(0);
    try {
      spec.encode(w);
    } catch (err) {
      q.reject(err);
      return;
    }
    w.patchInt32(0, w.totalLength - 4);
    if (w.segmentCount === 0) this.#write(w.view());
    else for (const piece of w.pieces()) this.#write(piece);
    if (spec.decode === null) {
      q.resolve(undefined);
      return;
    }
    const timeoutMs = spec.timeoutMs ?? this.#opts.requestTimeoutMs;
    const pending: Pending = {
      correlationId,
      responseHeaderVersion: spec.responseHeaderVersion,
      decode: spec.decode,
      resolve: q.resolve,
      reject: q.reject,
      timer: null,
    };
    pending.timer = setTimeout(() => {
      // Responses arrive in order, so a lost one poisons the connection: drop it.
      this.#fail(
        new ClientError(
          "timeout",
          `request (api ${spec.apiKey}) to ${this.address} timed out after ${timeoutMs} ms`,
        ),
      );
    }, timeoutMs);
    this.#inFlight.push(pending);
  }

  /**
   * Writes bytes now, or copies what the kernel did not take into the backlog: nothing in the
   * backlog refers to the request writer or to a batch buffer, which both get reused.
   */
  #write(frame: Uint8Array): void {
    const socket = this.#socket!;
    if (this.#backlog.length > 0) {
      this.#backlog.push(frame.slice());
      return;
    }
    const n = socket.write(frame);
    if (n < frame.length) this.#backlog.push(frame.slice(Math.max(n, 0)));
  }

  #flush(): void {
    const socket = this.#socket;
    if (!socket) return;
    while (this.#backlog.length > 0) {
      const head = this.#backlog[0]!;
      const n = socket.write(head);
      if (n < head.length) {
        this.#backlog[0] = head.subarray(Math.max(n, 0));
        return;
      }
      this.#backlog.shift();
    }
  }

  #onData(data: Uint8Array): void {
    try {
      this.#frames.push(data, (frame) => this.#onFrame(frame));
    } catch (err) {
      this.#fail(
        err instanceof ClientError ? err : new ClientError("protocol", String(err), { cause: err }),
      );
    }
  }

  #onFrame(frame: Uint8Array): void {
    const pending = this.#inFlight.shift();
    if (!pending) throw new ClientError("protocol", `unsolicited response from ${this.address}`);
    if (pending.timer) clearTimeout(pending.timer);
    const r = new Reader(frame);
    let result: unknown;
    try {
      const correlationId = r.int32();
      if (correlationId !== pending.correlationId) {
        throw new ClientError(
          "protocol",
          `response correlation id ${correlationId}, expected ${pending.correlationId}`,
        );
      }
      if (pending.responseHeaderVersion === 1) r.unknownTaggedFields();
      result = pending.decode(r);
    } catch (err) {
      const e =
        err instanceof ClientError
          ? err
          : new ClientError(
              "protocol",
              `cannot decode response from ${this.address}: ${err instanceof Error ? err.message : err}`,
              { cause: err },
            );
      pending.reject(e);
      this.#fail(e);
      return;
    }
    pending.resolve(result);
    this.#sendQueued();
  }

  #fail(err: ClientError): void {
    if (this.#closedError) return;
    this.#closedError = err;
    for (const p of this.#inFlight.splice(0)) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(err);
    }
    for (const q of this.#queue.splice(0)) q.reject(err);
    this.#socket?.end();
    this.#onClose?.();
  }
}
