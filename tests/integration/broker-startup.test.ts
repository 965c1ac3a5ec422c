/**
 * Start-up and shutdown of a real broker process: the data dir is claimed in Kafka's
 * meta.properties format, a dir owned by another broker id or one we cannot write stops
 * the start with a clear message and a non-zero exit, and SIGTERM shuts down cleanly.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  removeDir,
  runBrokerExpectingFailure,
  startBrokerProcess,
  tempDataDir,
} from "../helpers/broker-process.ts";

describe("broker start-up", () => {
  test("a new data dir gets meta.properties with cluster.id, node.id and version", async () => {
    const broker = await startBrokerProcess({ args: ["--broker-id", "3"] });
    const props = readFileSync(join(broker.dataDir, "meta.properties"), "utf8");
    expect(props).toMatch(/^node\.id=3$/m);
    expect(props).toMatch(/^version=1$/m);
    expect(props).toMatch(/^cluster\.id=[A-Za-z0-9_-]{22}$/m);
    expect(await broker.stop()).toBe(0);
    expect(broker.output()).toContain("broker stopped");
    removeDir(broker.dataDir);
  }, 30_000);

  test("a data dir owned by another broker id is refused with a clear error", async () => {
    const dir = tempDataDir();
    writeFileSync(
      join(dir, "meta.properties"),
      "version=1\ncluster.id=abcdefghijklmnopqrstuv\nnode.id=7\n",
    );
    const { code, output } = await runBrokerExpectingFailure([
      "--data-dir",
      dir,
      "--broker-port",
      "0",
    ]);
    expect(code).not.toBe(0);
    expect(output).toContain("belongs to node.id=7, but this broker is broker_id=1");
    removeDir(dir);
  }, 30_000);

  test("an unwritable data dir is refused with a clear error", async () => {
    // A path under a regular file can never be a directory, even for root.
    const dir = tempDataDir();
    const file = join(dir, "not-a-dir");
    writeFileSync(file, "");
    const { code, output } = await runBrokerExpectingFailure([
      "--data-dir",
      join(file, "data"),
      "--broker-port",
      "0",
    ]);
    expect(code).not.toBe(0);
    expect(output).toMatch(/cannot create data dir .*not-a-dir\/data/);
    removeDir(dir);
  }, 30_000);

  test("a read-only data dir is refused at start, not at the first write", async () => {
    const dir = tempDataDir();
    const first = await startBrokerProcess({ dataDir: dir });
    expect(await first.stop()).toBe(0);
    // chmod does not stop root, so make the write probe's path unusable instead.
    const probe = join(dir, ".write-probe");
    Bun.spawnSync(["mkdir", "-p", join(probe, "blocker")]);
    const { code, output } = await runBrokerExpectingFailure([
      "--data-dir",
      dir,
      "--broker-port",
      "0",
    ]);
    expect(code).not.toBe(0);
    expect(output).toContain("is not writable");
    removeDir(dir);
  }, 30_000);
});
