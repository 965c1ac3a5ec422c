/** `datacore cluster describe`: cluster id, controller, brokers and racks. */
import { Command } from "@commander-js/extra-typings";
import { brokersOption, withClient } from "./kafka-command.ts";
import { formatOption, writeJson, writeLine, writeTable } from "./output.ts";

export function clusterCommand(): Command {
  const cluster = new Command("cluster").description("inspect the cluster");
  cluster.addCommand(
    new Command("describe")
      .description("show the cluster id, controller and brokers")
      .addOption(brokersOption())
      .addOption(formatOption())
      .action(async (opts) => {
        const d = await withClient(opts, (c) => c.admin().describeCluster());
        if (opts.format === "json") {
          writeJson({ clusterId: d.clusterId, controllerId: d.controllerId, brokers: d.brokers });
          return;
        }
        writeLine("CLUSTER");
        writeLine("=======");
        writeLine(`${d.clusterId ?? "-"}`);
        writeLine();
        writeLine("BROKERS");
        writeLine("=======");
        writeTable(
          ["id", "host", "port", "rack"],
          d.brokers.map((b) => [
            d.controllerId === b.nodeId ? `${b.nodeId}*` : b.nodeId,
            b.host,
            b.port,
            b.rack,
          ]),
        );
      }),
  );
  return cluster;
}
