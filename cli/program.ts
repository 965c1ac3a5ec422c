/**
 * The command tree. A command group appears here only once its feature has landed, so
 * `--help` never lists a command that does nothing.
 */
import { Command } from "@commander-js/extra-typings";
import { benchCommand } from "./bench.ts";
import { brokerCommand } from "./broker.ts";
import { clusterCommand } from "./cluster.ts";
import { groupCommand } from "./group.ts";
import { healthCommand } from "./health.ts";
import { usageErrorsExit2 } from "./kafka-command.ts";
import { kvCommand } from "./kv.ts";
import { offsetCommand } from "./offset.ts";
import { topicCommand } from "./topic.ts";
import { VERSION, versionCommand } from "./version.ts";

export function buildProgram(): Command {
  const program = new Command("datacore")
    .description("A Kafka-compatible message broker in one executable")
    .version(VERSION, "-V, --version", "print the version")
    .showHelpAfterError()
    .exitOverride();
  program.addCommand(brokerCommand());
  program.addCommand(versionCommand());
  program.addCommand(topicCommand());
  program.addCommand(groupCommand());
  program.addCommand(offsetCommand());
  program.addCommand(clusterCommand());
  program.addCommand(healthCommand());
  program.addCommand(kvCommand());
  program.addCommand(benchCommand());
  // Subcommands do not inherit exitOverride; without it on every command, commander
  // exits by itself on a usage error instead of letting main.ts answer with exit code 2.
  return usageErrorsExit2(program);
}
