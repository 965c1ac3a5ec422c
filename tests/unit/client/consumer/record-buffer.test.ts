import { describe, expect, test } from "bun:test";
import { RecordBuffer } from "../../../../client/consumer/record-buffer.ts";

interface Rec {
  p: string;
  offset: number;
}

/** A buffer holding runs of partitions a, b, c (offsets as given), plus what `take` reported. */
function filled(runs: [string, number[]][]) {
  const buf = new RecordBuffer<Rec, string>();
  for (const [p, offsets] of runs)
    buf.append(p, (out) => {
      for (const offset of offsets) out.push({ p, offset });
    });
  const consumed = new Map<string, number>();
  const take = (max: number) =>
    buf.take(max, (owner, last) => consumed.set(owner, last.offset + 1)).map((r) => r.offset);
  return { buf, consumed, take };
}

describe("the consumer's buffer of fetched records", () => {
  test("taking everything returns records in order and reports each run's last record", () => {
    const { buf, consumed, take } = filled([
      ["a", [0, 1, 2]],
      ["b", [10, 11]],
    ]);
    expect(take(100)).toEqual([0, 1, 2, 10, 11]);
    expect([...consumed]).toEqual([
      ["a", 3],
      ["b", 12],
    ]);
    expect(buf.size).toBe(0);
  });

  test("a poll limit cuts a run: the partition advances only past what was handed out", () => {
    const { buf, consumed, take } = filled([
      ["a", [0, 1, 2]],
      ["b", [10, 11, 12]],
    ]);
    expect(take(2)).toEqual([0, 1]);
    expect(consumed.get("a")).toBe(2);
    expect(take(2)).toEqual([2, 10]);
    expect([...consumed]).toEqual([
      ["a", 3],
      ["b", 11],
    ]);
    expect(buf.size).toBe(2);
    expect(take(5)).toEqual([11, 12]);
    expect(consumed.get("b")).toBe(13);
    expect(buf.size).toBe(0);
  });

  test("records appended after a partial take follow the rest", () => {
    const { buf, take } = filled([["a", [0, 1, 2]]]);
    expect(take(1)).toEqual([0]);
    buf.append("b", (out) => out.push({ p: "b", offset: 7 }));
    expect(take(10)).toEqual([1, 2, 7]);
  });

  test("dropping a partition (seek, pause) removes its runs, also a partly taken one", () => {
    const { buf, consumed, take } = filled([
      ["a", [0, 1, 2]],
      ["b", [10, 11]],
      ["c", [20]],
      ["a", [3]],
    ]);
    expect(take(1)).toEqual([0]);
    buf.drop((owner) => owner === "a");
    expect(buf.size).toBe(3);
    consumed.clear();
    expect(take(10)).toEqual([10, 11, 20]);
    expect([...consumed.keys()]).toEqual(["b", "c"]);
  });

  test("a fill that throws leaves nothing of its records behind", () => {
    const { buf, take } = filled([["a", [0]]]);
    expect(() =>
      buf.append("b", (out) => {
        out.push({ p: "b", offset: 5 });
        throw new Error("corrupt batch");
      }),
    ).toThrow("corrupt batch");
    expect(buf.size).toBe(1);
    expect(take(10)).toEqual([0]);
  });

  test("an empty fill adds no run", () => {
    const { buf, consumed, take } = filled([
      ["a", []],
      ["b", [4]],
    ]);
    expect(take(10)).toEqual([4]);
    expect([...consumed.keys()]).toEqual(["b"]);
    expect(buf.size).toBe(0);
  });
});
