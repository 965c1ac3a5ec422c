import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DataDirError,
  ensureMetaProperties,
  parseProperties,
} from "../../../../broker/runtime/meta-properties.ts";
import { seededRandom } from "../harness.ts";

describe("meta.properties", () => {
  test("a new dir is claimed once; restarts keep the cluster id", () => {
    const dir = mkdtempSync(join(tmpdir(), "meta-"));
    const first = ensureMetaProperties(dir, { nodeId: 4, clusterId: "" }, seededRandom(), 0);
    expect(first.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const props = parseProperties(readFileSync(join(dir, "meta.properties"), "utf8"));
    expect(props.get("node.id")).toBe("4");
    expect(props.get("version")).toBe("1");
    const again = ensureMetaProperties(dir, { nodeId: 4, clusterId: "" }, seededRandom(7), 0);
    expect(again.clusterId).toBe(first.clusterId);
    rmSync(dir, { recursive: true });
  });

  test("another node's or cluster's dir is refused", () => {
    const dir = mkdtempSync(join(tmpdir(), "meta-"));
    writeFileSync(join(dir, "meta.properties"), "#c\nversion=1\ncluster.id=abc\nnode.id=2\n");
    expect(() =>
      ensureMetaProperties(dir, { nodeId: 3, clusterId: "" }, seededRandom(), 0),
    ).toThrow(DataDirError);
    expect(() =>
      ensureMetaProperties(dir, { nodeId: 2, clusterId: "xyz" }, seededRandom(), 0),
    ).toThrow(/cluster.id=abc/);
    rmSync(dir, { recursive: true });
  });
});
