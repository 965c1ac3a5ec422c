/**
 * Opening the topic behind a KvStore: create it when missing (one partition,
 * cleanup.policy=compact), then refuse anything a key-value view cannot be built on — more
 * than one partition (a store reads one log) or a cleanup policy other than plain
 * "compact" ("delete", and "compact,delete" too, would drop live keys with old segments).
 */
import type { Admin } from "../admin.ts";
import type { TopicInfo } from "../cluster.ts";
import { ClientError, KafkaError } from "../errors.ts";
import { KvError } from "./errors.ts";

export interface TopicSetup {
  create: boolean;
  replicationFactor: number;
  configs: Readonly<Record<string, string>>;
  deadlineMs: number;
}

const UNKNOWN_TOPIC_OR_PARTITION = 3;
const LEADER_NOT_AVAILABLE = 5;
const TOPIC_ALREADY_EXISTS = 36;

export async function prepareTopic(admin: Admin, topic: string, setup: TopicSetup): Promise<void> {
  let info = await describe(admin, topic, setup.deadlineMs);
  if (info === null) {
    if (!setup.create)
      throw new KvError("broker", `topic ${topic} does not exist`, {
        cause: new KafkaError(
          UNKNOWN_TOPIC_OR_PARTITION,
          "UNKNOWN_TOPIC_OR_PARTITION",
          false,
          topic,
        ),
      });
    const [created] = await admin.createTopics([
      {
        name: topic,
        partitions: 1,
        replicationFactor: setup.replicationFactor,
        configs: { ...setup.configs, "cleanup.policy": "compact" },
      },
    ]);
    const err = created?.error;
    if (err && err.errorCode !== TOPIC_ALREADY_EXISTS)
      throw new KvError("broker", `cannot create topic ${topic}: ${err.message}`, { cause: err });
    info = await describe(admin, topic, setup.deadlineMs);
    if (info === null)
      throw new KvError("broker", `topic ${topic} was created but the broker does not list it`);
  }
  if (info.partitions.length !== 1)
    throw new KvError(
      "multi_partition_topic",
      `topic ${topic} has ${info.partitions.length} partitions; a key-value store needs exactly 1 (every key of the store must live in one log)`,
    );
  const configs = await admin.describeConfigs("topic", topic, ["cleanup.policy"]);
  const policy = configs.find((c) => c.name === "cleanup.policy")?.value ?? "delete";
  const parts = policy.split(",").map((p) => p.trim());
  if (parts.length !== 1 || parts[0] !== "compact")
    throw new KvError(
      "not_compacted",
      `topic ${topic} has cleanup.policy=${policy}; a key-value store needs cleanup.policy=compact (otherwise retention deletes live keys)`,
    );
}

/** The topic's metadata once its partitions have leaders; null when it does not exist. */
async function describe(
  admin: Admin,
  topic: string,
  deadlineMs: number,
): Promise<TopicInfo | null> {
  for (;;) {
    try {
      const info = await admin.describeTopic(topic);
      if (info.partitions.every((p) => p.leader >= 0)) return info;
    } catch (err) {
      if (err instanceof KafkaError && err.errorCode === UNKNOWN_TOPIC_OR_PARTITION) return null;
      const transient =
        (err instanceof KafkaError && err.errorCode === LEADER_NOT_AVAILABLE) ||
        (err instanceof ClientError && err.retriable);
      if (!transient || Date.now() > deadlineMs) throw err;
    }
    if (Date.now() > deadlineMs)
      throw new KvError("timeout", `topic ${topic} has partitions without a leader`);
    await Bun.sleep(100);
  }
}
