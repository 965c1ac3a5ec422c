/**
 * `npm run build`: dist/datacore for this host.
 * `npm run release`: dist/datacore-{linux,darwin}-{x64,arm64}, a .tar.gz of each and
 * SHA256SUMS. Bun fetches the other targets' runtimes from the npm registry.
 */

import { createHash } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import { $ } from "bun";

const TARGETS = ["linux-x64", "linux-arm64", "darwin-x64", "darwin-arm64"] as const;
const release = process.argv.includes("--release");
const root = new URL("..", import.meta.url).pathname;
const dist = `${root}dist`;
const bun = process.execPath;

await mkdir(dist, { recursive: true });

async function compile(outfile: string, target?: string): Promise<void> {
  const targetFlag = target ? [`--target=bun-${target}`] : [];
  await $`${bun} build --compile --minify ${targetFlag} ${root}main.ts --outfile ${outfile}`.quiet();
  console.log(`built ${outfile}`);
}

if (!release) {
  await compile(`${dist}/datacore`);
} else {
  const sums: string[] = [];
  for (const target of TARGETS) {
    const name = `datacore-${target}`;
    await rm(`${dist}/${name}`, { force: true });
    await compile(`${dist}/${name}`, target);
    // The archive holds the executable under its plain name, as users expect to install it.
    const stage = `${dist}/.stage-${target}`;
    await rm(stage, { recursive: true, force: true });
    await mkdir(stage);
    await $`cp ${dist}/${name} ${stage}/datacore`;
    await $`tar -czf ${dist}/${name}.tar.gz -C ${stage} datacore`;
    await rm(stage, { recursive: true, force: true });
    for (const file of [name, `${name}.tar.gz`]) {
      const digest = createHash("sha256")
        .update(new Uint8Array(await Bun.file(`${dist}/${file}`).arrayBuffer()))
        .digest("hex");
      sums.push(`${digest}  ${file}`);
    }
  }
  await Bun.write(`${dist}/SHA256SUMS`, `${sums.join("\n")}\n`);
  console.log(`wrote ${dist}/SHA256SUMS`);
}
