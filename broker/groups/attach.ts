/**
 * Wiring between the broker core and its group coordinator. The coordinator is built at
 * start-up (after the core opened storage, before the listener starts) and found by
 * handlers through `groupCoordinatorOf(ctx.core)`; a core without one (a test that did
 * not start it) answers COORDINATOR_NOT_AVAILABLE.
 */
import type { BrokerConfig } from "../config.ts";
import type { BrokerCore } from "../core/broker-core.ts";
import type { Logger } from "../logger.ts";
import type { GroupSettings, TopicCatalog } from "./context.ts";
import { GroupCoordinator } from "./coordinator.ts";
import { CoreGroupLog } from "./group-log.ts";

const coordinators = new WeakMap<BrokerCore, GroupCoordinator>();

export function groupCoordinatorOf(core: BrokerCore): GroupCoordinator | undefined {
  return coordinators.get(core);
}

export function groupSettingsFrom(config: BrokerConfig): GroupSettings {
  return {
    initialRebalanceDelayMs: config.group_initial_rebalance_delay_ms,
    minSessionTimeoutMs: config.group_min_session_timeout_ms,
    maxSessionTimeoutMs: config.group_max_session_timeout_ms,
    maxGroupSize: config.group_max_size,
    offsetsRetentionMs: config.offsets_retention_minutes * 60_000,
    offsetMetadataMaxBytes: config.offset_metadata_max_bytes,
    consumerHeartbeatIntervalMs: config.group_consumer_heartbeat_interval_ms,
    consumerSessionTimeoutMs: config.group_consumer_session_timeout_ms,
  };
}

export function topicCatalogOf(core: BrokerCore): TopicCatalog {
  const info = (t: { meta: { name: string; id: string }; partitions: unknown[] }) => ({
    name: t.meta.name,
    id: t.meta.id,
    partitions: t.partitions.length,
  });
  return {
    list: () => core.listTopics().map(info),
    byName: (name) => {
      const t = core.topic(name);
      return t ? info(t) : undefined;
    },
    byId: (id) => {
      const t = core.topicById(id);
      return t ? info(t) : undefined;
    },
  };
}

/** Opens (creating if needed) `__consumer_offsets`, replays it, and attaches the coordinator. */
export async function startGroupCoordinator(
  core: BrokerCore,
  logger: Logger,
): Promise<GroupCoordinator> {
  const log = await CoreGroupLog.open(core, core.config.offsets_topic_num_partitions);
  const coordinator = new GroupCoordinator({
    clock: core.clock,
    random: core.random,
    logger: logger.child({ component: "groups" }),
    log,
    topics: topicCatalogOf(core),
    settings: groupSettingsFrom(core.config),
  });
  await coordinator.start();
  coordinators.set(core, coordinator);
  return coordinator;
}

/** Shutdown: timers stop and parked requests are answered before connections close. */
export function stopGroupCoordinator(core: BrokerCore): void {
  coordinators.get(core)?.stop();
  coordinators.delete(core);
}
