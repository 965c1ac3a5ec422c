/**
 * Every handler the broker serves. A module appears here only when it is complete for the
 * versions it declares: ApiVersions advertises exactly this list.
 */
import { produceHandler } from "./00-produce.ts";
import { fetchHandler } from "./01-fetch.ts";
import { listOffsetsHandler } from "./02-list-offsets.ts";
import { metadataHandler } from "./03-metadata.ts";
import { apiVersionsHandler } from "./18-api-versions.ts";
import { createTopicsHandler } from "./19-create-topics.ts";
import { deleteTopicsHandler } from "./20-delete-topics.ts";
import { deleteRecordsHandler } from "./21-delete-records.ts";
import { initProducerIdHandler } from "./22-init-producer-id.ts";
import { offsetForLeaderEpochHandler } from "./23-offset-for-leader-epoch.ts";
import { addPartitionsToTxnHandler } from "./24-add-partitions-to-txn.ts";
import { addOffsetsToTxnHandler } from "./25-add-offsets-to-txn.ts";
import { endTxnHandler } from "./26-end-txn.ts";
import { writeTxnMarkersHandler } from "./27-write-txn-markers.ts";
import { txnOffsetCommitHandler } from "./28-txn-offset-commit.ts";
import { describeConfigsHandler } from "./32-describe-configs.ts";
import { alterConfigsHandler } from "./33-alter-configs.ts";
import { describeLogDirsHandler } from "./35-describe-log-dirs.ts";
import { createPartitionsHandler } from "./37-create-partitions.ts";
import { incrementalAlterConfigsHandler } from "./44-incremental-alter-configs.ts";
import { describeClusterHandler } from "./60-describe-cluster.ts";
import { describeProducersHandler } from "./61-describe-producers.ts";
import { describeTransactionsHandler } from "./65-describe-transactions.ts";
import { listTransactionsHandler } from "./66-list-transactions.ts";
import { describeTopicPartitionsHandler } from "./75-describe-topic-partitions.ts";
import { GROUP_HANDLERS } from "./group-handlers.ts";
import { type ApiHandler, HandlerRegistry } from "./registry.ts";

export const ALL_HANDLERS: readonly ApiHandler[] = [
  ...GROUP_HANDLERS,
  produceHandler,
  fetchHandler,
  listOffsetsHandler,
  metadataHandler,
  apiVersionsHandler,
  createTopicsHandler,
  deleteTopicsHandler,
  deleteRecordsHandler,
  initProducerIdHandler,
  offsetForLeaderEpochHandler,
  addPartitionsToTxnHandler,
  addOffsetsToTxnHandler,
  endTxnHandler,
  writeTxnMarkersHandler,
  txnOffsetCommitHandler,
  describeConfigsHandler,
  alterConfigsHandler,
  describeLogDirsHandler,
  createPartitionsHandler,
  incrementalAlterConfigsHandler,
  describeClusterHandler,
  describeProducersHandler,
  describeTransactionsHandler,
  listTransactionsHandler,
  describeTopicPartitionsHandler,
] as ApiHandler[];

export function defaultRegistry(): HandlerRegistry {
  return new HandlerRegistry(ALL_HANDLERS);
}
