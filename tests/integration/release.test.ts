/**
 * `npm run release` cross-compiles the four targets; `file` must see the right OS and
 * architecture in each, every archive must hold a `datacore` executable, and SHA256SUMS
 * must match the bytes.
 */
import { expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { $ } from "bun";

const root = join(import.meta.dir, "../..");
const dist = join(root, "dist");

const expected: Record<string, RegExp> = {
  "linux-x64": /ELF 64-bit.*x86-64/,
  "linux-arm64": /ELF 64-bit.*(ARM aarch64|aarch64)/,
  "darwin-x64": /Mach-O 64-bit.*x86_64/,
  "darwin-arm64": /Mach-O 64-bit.*arm64/,
};

test("release builds four executables for the right OS and architecture", async () => {
  await $`${process.execPath} ${join(root, "scripts/build.ts")} --release`.quiet();
  const sums = (await Bun.file(join(dist, "SHA256SUMS")).text()).trim().split("\n");
  for (const [target, pattern] of Object.entries(expected)) {
    const name = `datacore-${target}`;
    const description = (await $`file -b ${join(dist, name)}`.text()).trim();
    expect(description).toMatch(pattern);
    const listing = (await $`tar -tzf ${join(dist, `${name}.tar.gz`)}`.text()).trim();
    expect(listing).toBe("datacore");
    const bytes = new Uint8Array(await Bun.file(join(dist, name)).arrayBuffer());
    const digest = createHash("sha256").update(bytes).digest("hex");
    expect(sums).toContain(`${digest}  ${name}`);
  }
  const host = `datacore-${process.platform}-${process.arch}`;
  const version = await $`${join(dist, host)} version`.text();
  expect(version).toStartWith("datacore ");
}, 300_000);
