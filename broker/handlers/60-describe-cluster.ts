/**
 * DescribeCluster (key 60), v0–v1: this node is the whole cluster and its controller.
 * Leaves out: endpoint type 2 (controllers): there is no separate controller listener,
 * so it is answered UNSUPPORTED_ENDPOINT_TYPE as Kafka's brokers do.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { ApiKey } from "../../protocol/messages/generated/apis.ts";
import { CLUSTER_OPERATIONS_ALL, OPERATIONS_OMITTED } from "../core/describe.ts";
import { defineHandler } from "./registry.ts";

export const describeClusterHandler = defineHandler({
  apiKey: ApiKey.DescribeCluster,
  minVersion: 0,
  maxVersion: 1,
  handle(ctx, request) {
    const { core, apiVersion } = ctx;
    const base = {
      throttleTimeMs: 0,
      ...(apiVersion >= 1 ? { endpointType: request.endpointType } : {}),
      clusterId: core.clusterId,
      controllerId: core.nodeId,
      clusterAuthorizedOperations: request.includeClusterAuthorizedOperations
        ? CLUSTER_OPERATIONS_ALL
        : OPERATIONS_OMITTED,
    };
    if (apiVersion >= 1 && request.endpointType !== 1) {
      return {
        ...base,
        errorCode: ErrorCode.UNSUPPORTED_ENDPOINT_TYPE,
        errorMessage: "only broker endpoints exist",
        brokers: [],
      };
    }
    return {
      ...base,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      brokers: [
        {
          brokerId: core.nodeId,
          host: core.advertised.host,
          port: core.advertised.port,
          rack: null,
        },
      ],
    };
  },
});
