import { describe, expect, test } from "bun:test";
import { FrameReader } from "../../../../broker/network/frame-reader.ts";

function sized(body: number[]): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setInt32(0, body.length);
  out.set(body, 4);
  return out;
}

describe("FrameReader", () => {
  test("frames split across chunks at every byte boundary come out whole", () => {
    const stream = new Uint8Array([...sized([1, 2, 3]), ...sized([4]), ...sized([5, 6])]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const reader = new FrameReader(100);
      const frames: number[][] = [];
      reader.push(stream.subarray(0, cut), (f) => frames.push([...f]));
      reader.push(stream.subarray(cut), (f) => frames.push([...f]));
      expect(frames).toEqual([[1, 2, 3], [4], [5, 6]]);
      expect(reader.partial).toBe(false);
    }
  });

  test("a frame claiming 2 GiB is refused from its size prefix alone", () => {
    const reader = new FrameReader(1024);
    const error = reader.push(new Uint8Array([0x7f, 0xff, 0xff, 0xff, 0]), () => {
      throw new Error("no frame expected");
    });
    expect(error).toEqual({ kind: "too_large", size: 0x7fffffff, max: 1024 });
  });

  test("a negative size is refused", () => {
    const reader = new FrameReader(1024);
    expect(reader.push(new Uint8Array([0xff, 0xff, 0xff, 0xfe]), () => {})?.kind).toBe(
      "negative_size",
    );
  });

  test("a truncated frame stays partial", () => {
    const reader = new FrameReader(1024);
    reader.push(sized([1, 2, 3]).subarray(0, 5), () => {});
    expect(reader.partial).toBe(true);
  });
});
