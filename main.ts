#!/usr/bin/env bun
import "./client/native-gzip.ts";
import { CommanderError } from "@commander-js/extra-typings";
import { ConfigError } from "./broker/config.ts";
import { CliExit, EXIT_FAILURE, EXIT_USAGE } from "./cli/exit.ts";
import { buildProgram } from "./cli/program.ts";

async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version output end in a CommanderError with exit code 0.
      return err.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`datacore: ${err.message}\n`);
      return EXIT_USAGE;
    }
    if (err instanceof CliExit) {
      if (err.message) process.stderr.write(`datacore: ${err.message}\n`);
      return err.code;
    }
    process.stderr.write(`datacore: ${err instanceof Error ? (err.stack ?? err.message) : err}\n`);
    return EXIT_FAILURE;
  }
}

const code = await main(process.argv);
if (code !== 0) process.exit(code);
