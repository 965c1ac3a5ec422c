/**
 * The performance gate catches a real slowdown: a baseline recorded on this build, then
 * the same suite item against a broker whose produce path burns extra CPU per batch
 * (DATACORE_TEST_PRODUCE_DELAY_MS) fails with exit 1, and the unchanged build passes.
 * The suite is cut to one short item, and the threshold is wide (60%) because this
 * machine is shared: the deliberate slowdown costs ~90% of the throughput, noise less.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../fixtures/cli.ts";

const dir = mkdtempSync(join(tmpdir(), "datacore-gate-"));
const baseline = join(dir, "baseline.json");
const suite = ["--only", "produce-acks-all", "--duration", "2s"];

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("bench gate", () => {
  test("--update-baseline records the calibrated ratio of each item", async () => {
    const r = await runCli([
      "bench",
      "gate",
      "--baseline",
      baseline,
      "--update-baseline",
      ...suite,
    ]);
    expect(r.code).toBe(0);
    const written = JSON.parse(readFileSync(baseline, "utf8"));
    expect(written.version).toBe(1);
    expect(written.metrics["produce-acks-all"].reference).toBe("vsTcpLoopback");
    expect(written.metrics["produce-acks-all"].ratio).toBeGreaterThan(0);
  }, 120_000);

  test("a broker slowed by 100 ms of CPU per produced batch fails the gate", async () => {
    const r = await runCli(
      [
        "bench",
        "gate",
        "--baseline",
        baseline,
        "--max-regression",
        "60%",
        ...suite,
        "--repeat",
        "1",
      ],
      { env: { DATACORE_TEST_PRODUCE_DELAY_MS: "100" } },
    );
    expect(r.stdout).toMatch(
      /produce-acks-all\s+vsTcpLoopback\s+[\d.]+\s+[\d.]+\s+-\d+\.\d%\s+REGRESSION/,
    );
    expect(r.stderr).toContain("performance regression beyond 60%: produce-acks-all");
    expect(r.code).toBe(1);
  }, 120_000);

  test("the unchanged build passes against its own baseline", async () => {
    const r = await runCli([
      "bench",
      "gate",
      "--baseline",
      baseline,
      "--max-regression",
      "60%",
      ...suite,
    ]);
    expect(r.stdout).toMatch(/produce-acks-all\s+vsTcpLoopback\s+.*\s+OK$/m);
    expect(r.stderr).not.toContain("not comparable");
    expect(r.code).toBe(0);
  }, 120_000);

  test("--report-only prints a regression without failing (the CI smoke)", async () => {
    // A baseline no machine can reach: every item shows as a regression.
    const impossible = join(dir, "impossible.json");
    const base = JSON.parse(readFileSync(baseline, "utf8"));
    base.metrics["produce-acks-all"].ratio *= 1000;
    base.durationMs = 7000;
    writeFileSync(impossible, JSON.stringify(base));
    const r = await runCli([
      "bench",
      "gate",
      "--baseline",
      impossible,
      "--report-only",
      ...suite,
      "--repeat",
      "1",
    ]);
    expect(r.stdout).toContain("REGRESSION");
    expect(r.stderr).toContain(
      "note: produce-acks-all ran for 2 s and the baseline's for 7 s: their ratios are not comparable",
    );
    expect(r.code).toBe(0);
  }, 120_000);
});
