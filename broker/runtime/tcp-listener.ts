/**
 * The production network adapter: a Bun.listen TCP server that turns each socket into a
 * `Connection` and enforces `max_connections`. Everything protocol-shaped happens behind
 * the `FrameHandler`; this file only moves bytes.
 */
import type { Socket, TCPSocketListener } from "bun";
import type { Clock } from "../../storage/clock.ts";
import type { Logger } from "../logger.ts";
import { Connection, type ConnectionOptions } from "../network/connection.ts";
import type { FrameHandler } from "../network/transport.ts";

export interface TcpListenerOptions extends ConnectionOptions {
  host: string;
  port: number;
  maxConnections: number;
}

interface SocketData {
  connection: Connection | null;
}

export class TcpListener {
  private server: TCPSocketListener<SocketData> | null = null;
  private readonly connections = new Set<Connection>();
  private nextId = 1;

  constructor(
    private readonly handler: FrameHandler,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: TcpListenerOptions,
  ) {}

  /** The bound port (the configured one, or the one the OS chose for port 0). */
  get port(): number {
    if (!this.server) throw new Error("listener not started");
    return this.server.port;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  start(): void {
    this.server = Bun.listen<SocketData>({
      hostname: this.options.host,
      port: this.options.port,
      data: { connection: null },
      socket: {
        open: (socket) => this.onOpen(socket),
        data: (socket, chunk) => socket.data.connection?.onData(chunk),
        drain: (socket) => socket.data.connection?.onDrain(),
        close: (socket) => socket.data.connection?.onClose(),
        error: (socket, error) => {
          this.logger.debug("socket error", { remote: socket.remoteAddress, error: error.message });
          socket.data.connection?.onClose();
        },
      },
    });
  }

  /** Stop accepting; existing connections keep going until `closeAll`. */
  stopAccepting(): void {
    this.server?.stop(false);
  }

  /** Waits (up to `timeoutMs`) for in-flight requests to finish, then closes every socket. */
  async closeAll(timeoutMs: number): Promise<void> {
    const deadline = this.clock.monotonicMs() + timeoutMs;
    while (
      this.clock.monotonicMs() < deadline &&
      [...this.connections].some((c) => c.inFlight > 0)
    ) {
      await this.clock.sleep(10);
    }
    for (const connection of [...this.connections]) connection.close();
    this.server?.stop(true);
    this.server = null;
  }

  private onOpen(socket: Socket<SocketData>): void {
    const remote = `${socket.remoteAddress}:${socket.remotePort ?? ""}`;
    if (this.connections.size >= this.options.maxConnections) {
      this.logger.warn("refusing connection: max_connections reached", {
        remote,
        max_connections: this.options.maxConnections,
      });
      socket.end();
      return;
    }
    socket.setNoDelay(true);
    const connection = new Connection(
      this.nextId++,
      {
        remote,
        write: (bytes) => socket.write(bytes),
        pauseReading: () => socket.pause(),
        resumeReading: () => socket.resume(),
        close: () => socket.end(),
      },
      this.handler,
      this.clock,
      this.logger,
      this.options,
      (closed) => this.connections.delete(closed),
    );
    socket.data = { connection };
    this.connections.add(connection);
  }
}
