import { describe, expect, test } from "bun:test";
import { parseDurationMs } from "../../../cli/output.ts";
import {
  compileTemplate,
  LineSplitter,
  splitKey,
  splitLines,
  unescapeCli,
} from "../../../cli/record-format.ts";
import { parseOffsetSpec } from "../../../cli/topic-consume.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const record = {
  topic: "orders",
  partition: 2,
  offset: 41,
  timestamp: 1700000000000,
  key: enc("k1"),
  value: enc("hello"),
  headers: [
    { key: "a", value: enc("1") },
    { key: "b", value: null },
  ],
};

describe("consume templates (rpk placeholders)", () => {
  test("every placeholder renders its field", () => {
    const out = compileTemplate("%t|%p|%o|%d|%k|%v|%h|%K|%V|%%\\n")(record);
    expect(dec(out)).toBe("orders|2|41|1700000000000|k1|hello|a=1,b=|2|5|%\n");
  });

  test("values are copied byte for byte, even when not valid UTF-8", () => {
    const raw = Uint8Array.of(0xff, 0x00, 0xfe);
    const out = compileTemplate("%v")({ ...record, value: raw });
    expect(out).toEqual(raw);
  });

  test("null key and value render empty; lengths are -1", () => {
    expect(dec(compileTemplate("[%k][%v] %K %V")({ ...record, key: null, value: null }))).toBe(
      "[][] -1 -1",
    );
  });

  test("an unknown placeholder is rejected when compiling", () => {
    expect(() => compileTemplate("%z")).toThrow("%z");
  });

  test("escapes typed on a command line become characters", () => {
    expect(unescapeCli("a\\tb\\nc\\\\d")).toBe("a\tb\nc\\d");
  });
});

describe("produce input splitting", () => {
  test("a trailing newline does not make an empty record; empty lines in the middle do", () => {
    expect(splitLines(enc("a\n\nb\n")).map(dec)).toEqual(["a", "", "b"]);
    expect(splitLines(enc("a\nb")).map(dec)).toEqual(["a", "b"]);
    expect(splitLines(enc(""))).toEqual([]);
  });

  test("-K splits at the first separator only; no separator means a null key", () => {
    const { key, value } = splitKey(enc("user:1:rest"), enc(":"));
    expect([dec(key!), dec(value)]).toEqual(["user", "1:rest"]);
    expect(splitKey(enc("novalue"), enc("::")).key).toBeNull();
    const multi = splitKey(enc("k::v"), enc("::"));
    expect([dec(multi.key!), dec(multi.value)]).toEqual(["k", "v"]);
  });
});

describe("flag values", () => {
  test("--offset accepts start, end, absolute, relative-to-end and @time", () => {
    expect(parseOffsetSpec("start")).toEqual({ kind: "start" });
    expect(parseOffsetSpec("end")).toEqual({ kind: "end" });
    expect(parseOffsetSpec("42")).toEqual({ kind: "offset", offset: 42 });
    expect(parseOffsetSpec("-3")).toEqual({ kind: "fromEnd", n: 3 });
    expect(parseOffsetSpec("@1700000000000")).toEqual({ kind: "time", ms: 1700000000000 });
    expect(parseOffsetSpec("@2024-01-01T00:00:00Z")).toEqual({
      kind: "time",
      ms: Date.parse("2024-01-01T00:00:00Z"),
    });
    expect(() => parseOffsetSpec("soon")).toThrow("invalid --offset");
  });

  test("durations take ms, s, m, h", () => {
    expect(parseDurationMs("250ms")).toBe(250);
    expect(parseDurationMs("30s")).toBe(30_000);
    expect(parseDurationMs("1.5m")).toBe(90_000);
    expect(parseDurationMs("2h")).toBe(7_200_000);
    expect(parseDurationMs("100")).toBe(100);
    expect(() => parseDurationMs("fast")).toThrow("invalid duration");
  });
});

describe("streaming line splitter", () => {
  test("lines cut across chunks are joined; each line is reported once", () => {
    const out: string[] = [];
    const s = new LineSplitter();
    for (const chunk of ["ab", "c\nde", "f\n\ngh", "i"])
      s.push(enc(chunk), (l) => out.push(dec(l)));
    s.end((l) => out.push(dec(l)));
    expect(out).toEqual(["abc", "def", "", "ghi"]);
  });
});
