/**
 * The shipped artefact: `npm run build` compiles one executable that answers --help and
 * version without the source tree, and rejects bad config with a one-line error naming
 * the key and exit code 2.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { $ } from "bun";

const root = join(import.meta.dir, "../..");
const binary = join(root, "dist/datacore");

async function run(args: string[], env: Record<string, string> = {}) {
  // Run from an empty directory so the binary cannot lean on files next to the sources.
  const cwd = await mkdtemp(join(tmpdir(), "datacore-bin-"));
  const proc = Bun.spawn([binary, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { stdout, stderr, code, cwd };
}

describe("compiled binary", () => {
  beforeAll(async () => {
    await $`${process.execPath} ${join(root, "scripts/build.ts")}`.quiet();
  }, 120_000);

  test("--help lists the landed command groups and no placeholders", async () => {
    const { stdout, code } = await run(["--help"]);
    expect(code).toBe(0);
    expect(stdout).toContain("broker");
    expect(stdout).toContain("version");
  });

  test("version prints the package version, as text and JSON", async () => {
    const pkg = await Bun.file(join(root, "package.json")).json();
    const text = await run(["version"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`datacore ${pkg.version}`);
    const json = await run(["version", "--format", "json"]);
    expect(JSON.parse(json.stdout).version).toBe(pkg.version);
  });

  test("--print-config shows the effective config after file, env and flags", async () => {
    const dir = await mkdtemp(join(tmpdir(), "datacore-cfg-"));
    const file = join(dir, "c.toml");
    await writeFile(file, 'broker_id = 7\ndata_dir = "/from/file"\nbroker_port = 1111\n');
    const { stdout, code } = await run(
      ["broker", "start", "--config", file, "--broker-port", "3333", "--print-config"],
      { DATACORE_DATA_DIR: "/from/env" },
    );
    expect(code).toBe(0);
    expect(stdout).toContain("broker_id = 7\n");
    expect(stdout).toContain('data_dir = "/from/env"\n');
    expect(stdout).toContain("broker_port = 3333\n");
  });

  const badConfigs: [string, string, string][] = [
    ["unknown key", "brokr_port = 1\n", "brokr_port"],
    ["wrong type", 'broker_port = "high"\n', "broker_port"],
    ["port out of range", "broker_port = 70000\n", "broker_port"],
  ];
  for (const [name, toml, key] of badConfigs) {
    test(`a config with ${name} exits 2 with one line naming ${key}`, async () => {
      const dir = await mkdtemp(join(tmpdir(), "datacore-bad-"));
      const file = join(dir, "bad.toml");
      await writeFile(file, toml);
      const { stderr, code } = await run(["broker", "start", "--config", file]);
      expect(code).toBe(2);
      expect(stderr.trim().split("\n")).toHaveLength(1);
      expect(stderr).toContain(key);
    });
  }

  test("a bad flag value exits 2 naming the flag", async () => {
    const { stderr, code } = await run(["broker", "start", "--broker-port", "-5"]);
    expect(code).toBe(2);
    expect(stderr).toContain("--broker-port");
  });
});
