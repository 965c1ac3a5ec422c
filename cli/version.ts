import { Command } from "@commander-js/extra-typings";
import pkg from "../package.json" with { type: "json" };

export const VERSION: string = pkg.version;

export function versionLine(): string {
  return `datacore ${VERSION} (bun ${Bun.version}, ${process.platform}-${process.arch})`;
}

export function versionCommand(): Command {
  return new Command("version")
    .description("print the datacore version")
    .option("--format <format>", "text or json", "text")
    .action((options) => {
      if (options.format === "json") {
        const info = {
          version: VERSION,
          bun: Bun.version,
          os: process.platform,
          arch: process.arch,
        };
        process.stdout.write(`${JSON.stringify(info)}\n`);
      } else {
        process.stdout.write(`${versionLine()}\n`);
      }
    });
}
