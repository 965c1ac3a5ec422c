/**
 * The committed generated code is what the generator produces today: running it into a
 * temp dir gives byte-identical files, and no stale generated file lingers.
 */
import { expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const repo = resolve(import.meta.dir, "..", "..", "..");

test("committed generated code matches a fresh generator run", () => {
  const out = mkdtempSync(join(tmpdir(), "datacore-gen-"));
  try {
    const run = Bun.spawnSync(
      [process.execPath, join(repo, "protocol", "generate.ts"), "--out", out],
      {
        cwd: repo,
      },
    );
    expect(run.exitCode).toBe(0);
    const fresh = readdirSync(join(out, "messages", "generated")).sort();
    const committed = readdirSync(join(repo, "protocol", "messages", "generated")).sort();
    expect(committed).toEqual(fresh);
    expect(fresh.length).toBeGreaterThan(90);
    const stale = fresh.filter(
      (f) =>
        readFileSync(join(out, "messages", "generated", f), "utf8") !==
        readFileSync(join(repo, "protocol", "messages", "generated", f), "utf8"),
    );
    expect(stale).toEqual([]);
    expect(readFileSync(join(out, "errors.ts"), "utf8")).toBe(
      readFileSync(join(repo, "protocol", "errors.ts"), "utf8"),
    );
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
