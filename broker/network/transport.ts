/**
 * The seam between the request pipeline and the network (DESIGN.md rule 1). A listener
 * (Bun.listen in `runtime/`, a simulated network in `sim/`) creates one `Connection` per
 * accepted socket and feeds it bytes; the connection talks back through `ConnectionIo`.
 */

export interface ConnectionIo {
  /** Peer address for logs. */
  readonly remote: string;
  /**
   * Hands bytes to the socket. Returns how many were accepted; the caller keeps the rest
   * and retries after `Connection.onDrain`.
   */
  write(bytes: Uint8Array): number;
  /** Stop delivering data (TCP back-pressure reaches the client). */
  pauseReading(): void;
  resumeReading(): void;
  /** Close the socket; the listener then calls `Connection.onClose`. */
  close(): void;
}

/** What the pipeline answers for one request frame. */
export type FrameOutcome =
  | { kind: "response"; frame: Uint8Array }
  /** Nothing to send (Produce with acks=0). */
  | { kind: "none" }
  /** The request could not be understood: log and close (STYLE.md, error kinds). */
  | { kind: "close"; reason: string };

/** Per-connection facts a handler may need (client id lives in the request header). */
export interface ConnectionInfo {
  readonly id: number;
  readonly remote: string;
}

/** The request pipeline as the network sees it: a frame in, an outcome out. */
export type FrameHandler = (
  frame: Uint8Array,
  connection: ConnectionInfo,
) => FrameOutcome | Promise<FrameOutcome>;
