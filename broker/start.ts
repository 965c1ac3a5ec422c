/**
 * Production wiring of a broker process: real clock, real sockets, the configured
 * storage engine. Everything the broker core needs is built here and injected.
 *
 * Start-up order: claim the data dir (meta.properties), open storage and recover every
 * partition, then listen. Shutdown reverses it: stop accepting, let in-flight requests
 * finish, close connections, snapshot producer state and close the engine (which marks
 * a clean shutdown).
 */
import type { Timer } from "../storage/clock.ts";
import { openStorageEngine } from "../storage/open-engine.ts";
import { systemClock, systemRandom } from "../storage/runtime/system.ts";
import type { BrokerConfig } from "./config.ts";
import { BrokerCore } from "./core/broker-core.ts";
import { startGroupCoordinator, stopGroupCoordinator } from "./groups/attach.ts";
import { defaultRegistry } from "./handlers/index.ts";
import type { Logger } from "./logger.ts";
import { createPipeline } from "./pipeline.ts";
import { ensureMetaProperties, newClusterId } from "./runtime/meta-properties.ts";
import { withTestProduceDelay } from "./runtime/produce-delay.ts";
import { FileProducerIdAllocator, MemoryProducerIdAllocator } from "./runtime/producer-id-file.ts";
import { TcpListener } from "./runtime/tcp-listener.ts";
import { startTransactionCoordinator, stopTransactionCoordinator } from "./transactions/attach.ts";

export { DataDirError } from "./runtime/meta-properties.ts";

export interface RunningBroker {
  /** The bound Kafka port (useful with broker_port = 0). */
  readonly port: number;
  readonly core: BrokerCore;
  stop(): Promise<void>;
}

/** Responses queued for a client that does not read, before we stop reading from it. */
const MAX_QUEUED_WRITE_BYTES = 16 * 1024 * 1024;
/** How long shutdown waits for in-flight requests (long-polling fetches end sooner). */
const SHUTDOWN_GRACE_MS = 5_000;
const MAINTENANCE_EVERY_MS = 5_000;

export async function startBroker(config: BrokerConfig, logger: Logger): Promise<RunningBroker> {
  const clock = systemClock;
  const random = systemRandom;
  logger.info("datacore broker starting", {
    broker_id: config.broker_id,
    storage_engine: config.storage_engine,
    data_dir: config.data_dir,
  });
  const identity =
    config.storage_engine === "file"
      ? ensureMetaProperties(
          config.data_dir,
          { nodeId: config.broker_id, clusterId: config.cluster_id },
          random,
          clock.nowMs(),
        )
      : { clusterId: config.cluster_id || newClusterId(random), nodeId: config.broker_id };
  const engine = await openStorageEngine({
    kind: config.storage_engine,
    dataDir: config.data_dir,
    clock,
    logger: logger.child({ component: "storage" }),
    clusterId: identity.clusterId,
    nodeId: identity.nodeId,
  });
  let core: BrokerCore;
  try {
    core = await BrokerCore.open({
      config,
      clock,
      random,
      logger,
      engine,
      producerIds:
        config.storage_engine === "file"
          ? new FileProducerIdAllocator(config.data_dir)
          : new MemoryProducerIdAllocator(),
      clusterId: identity.clusterId,
      advertised: { host: advertisedHost(config), port: config.advertised_port },
    });
  } catch (err) {
    await engine.close();
    throw err;
  }
  let listener: TcpListener;
  try {
    await startGroupCoordinator(core, logger);
    // After groups: completing a transaction at start-up applies its offsets to them.
    await startTransactionCoordinator(core, logger);
    listener = new TcpListener(
      createPipeline(core, withTestProduceDelay(defaultRegistry(), clock, process.env), logger),
      clock,
      logger.child({ component: "network" }),
      {
        host: config.host,
        port: config.broker_port,
        maxConnections: config.max_connections,
        maxFrameBytes: config.socket_request_max_bytes,
        maxInFlight: config.max_in_flight_requests_per_connection,
        maxQueuedWriteBytes: MAX_QUEUED_WRITE_BYTES,
        idleTimeoutMs: config.connections_max_idle_ms,
      },
    );
    listener.start();
  } catch (err) {
    // A start-up failure (a port in use, an unreadable internal topic) must still leave
    // the logs closed cleanly, so the next start skips recovery.
    stopGroupCoordinator(core);
    stopTransactionCoordinator(core);
    await core.close();
    throw err;
  }
  if (config.advertised_port === 0) core.advertised.port = listener.port;
  let maintenance: Timer | null = null;
  const scheduleMaintenance = () => {
    maintenance = clock.setTimer(MAINTENANCE_EVERY_MS, () => {
      engine.runMaintenance().then(scheduleMaintenance, (err) => {
        logger.warn("storage maintenance failed", { error: String(err) });
        scheduleMaintenance();
      });
    });
  };
  // The file engine runs its own maintenance timer; the memory engine relies on ours.
  if (engine.kind === "memory") scheduleMaintenance();
  logger.info("listening", {
    host: config.host,
    port: listener.port,
    advertised: `${core.advertised.host}:${core.advertised.port}`,
    cluster_id: identity.clusterId,
    topics: core.listTopics().length,
  });
  let stopped: Promise<void> | null = null;
  return {
    port: listener.port,
    core,
    stop() {
      stopped ??= (async () => {
        listener.stopAccepting();
        core.beginShutdown();
        stopGroupCoordinator(core);
        stopTransactionCoordinator(core);
        maintenance?.cancel();
        await listener.closeAll(SHUTDOWN_GRACE_MS);
        await core.close();
        logger.info("broker stopped");
      })();
      return stopped;
    },
  };
}

function advertisedHost(config: BrokerConfig): string {
  if (config.advertised_host !== "") return config.advertised_host;
  if (config.host === "0.0.0.0" || config.host === "::") return "localhost";
  return config.host;
}
