import { describe, expect, test } from "bun:test";
import { summarize } from "../../../bench/cpu-profile.ts";
import { parseBytes } from "../../../cli/bench.ts";
import { CliExit } from "../../../cli/exit.ts";

describe("bench flag parsing", () => {
  test("sizes take bytes or binary/decimal units", () => {
    expect(parseBytes("--batch-bytes", "16384")).toBe(16384);
    expect(parseBytes("--batch-bytes", "64KiB")).toBe(65536);
    expect(parseBytes("--batch-bytes", "1MiB")).toBe(1048576);
    expect(parseBytes("--batch-bytes", "1MB")).toBe(1_000_000);
    expect(() => parseBytes("--batch-bytes", "lots")).toThrow(CliExit);
  });
});

describe("cpu profile summary", () => {
  test("self time goes to the sampled frame, total time to every function on its stack", () => {
    const frame = (functionName: string) => ({ functionName, url: "", lineNumber: 0 });
    const profile = {
      nodes: [
        { id: 1, callFrame: frame("(root)"), children: [2] },
        { id: 2, callFrame: frame("handle"), children: [3, 4] },
        { id: 3, callFrame: frame("crc"), children: [] },
        { id: 4, callFrame: frame("write"), children: [] },
      ],
      samples: [3, 3, 3, 4],
      timeDeltas: [1, 1, 1, 1],
    };
    const { samples, functions } = summarize(profile);
    expect(samples).toBe(4);
    const by = (n: string) => functions.find((f) => f.name === n)!;
    expect(by("crc").selfShare).toBe(0.75);
    expect(by("handle").selfShare).toBe(0);
    expect(by("handle").totalShare).toBe(1);
    expect(by("write").totalShare).toBe(0.25);
  });
});
