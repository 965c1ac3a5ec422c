/**
 * Produce requests encoded with large record batches by reference (SegmentWriter, what the
 * connection uses) must put exactly the bytes on the wire that the plain Writer encoding
 * does, for every Produce version the client speaks, classic and flexible.
 */
import { describe, expect, test } from "bun:test";
import { Apis } from "../../../../client/net/apis.ts";
import { SEGMENT_MIN_BYTES, SegmentWriter } from "../../../../client/net/segment-writer.ts";
import { Writer } from "../../../../protocol/codec/writer.ts";

function filled(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

function concat(pieces: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const big = filled(SEGMENT_MIN_BYTES + 17, 1);
const small = filled(300, 2);
/** A batch that is a view into the middle of a larger buffer, as pooled batch buffers are. */
const view = filled(3 * SEGMENT_MIN_BYTES, 3).subarray(5, 5 + 2 * SEGMENT_MIN_BYTES);

function request(withTagged: boolean) {
  return {
    transactionalId: null,
    acks: -1,
    timeoutMs: 30_000,
    topicData: [
      {
        name: "orders",
        partitionData: [
          { index: 0, records: big },
          { index: 1, records: small },
          {
            index: 2,
            records: view,
            // Unknown tagged fields (flexible versions): their data, size-prefixed, may go by
            // reference too.
            ...(withTagged
              ? { _unknownTaggedFields: [{ tag: 7, data: filled(SEGMENT_MIN_BYTES, 9) }] }
              : {}),
          },
        ],
      },
      {
        name: "événements",
        partitionData: [
          { index: 3, records: null },
          { index: 4, records: big },
        ],
      },
    ],
  };
}

describe("Produce request with batches by reference", () => {
  for (const version of [3, 7, 8, 9, 11]) {
    test(`v${version}: the pieces are byte-identical to the copied encoding`, () => {
      const flexible = version >= 9;
      const m = request(flexible);
      const plain = new Writer(16);
      Apis.Produce.encode(plain, m, version);
      const w = new SegmentWriter(16);
      Apis.Produce.encode(w, m, version);
      // big (twice), the view (and the large tagged field) went by reference; the 300-byte
      // batch was copied.
      expect(w.segmentCount).toBe(flexible ? 4 : 3);
      expect(w.offset).toBeLessThan(2000);
      expect(w.totalLength).toBe(plain.offset);
      expect(concat(w.pieces())).toEqual(plain.view());
    });
  }

  test("inside a tagged field sized afterwards, large bytes are copied", () => {
    const w = new SegmentWriter(16);
    const plain = new Writer(16);
    for (const x of [w, plain]) {
      const encode = () => {
        x.int32(1);
        const mark = x.beginTaggedField(0);
        x.bytes(big);
        x.endTaggedField(mark);
        x.bytes(view);
      };
      if (x instanceof SegmentWriter) x.referencing(encode);
      else encode();
    }
    expect(w.segmentCount).toBe(1);
    expect(concat(w.pieces())).toEqual(plain.view());
  });

  test("outside a Produce encoding (and after reset) bytes are copied as a plain Writer does", () => {
    const w = new SegmentWriter(16);
    Apis.Produce.encode(w, request(false), 9);
    w.reset();
    w.bytes(big);
    expect(w.segmentCount).toBe(0);
    expect(w.totalLength).toBe(4 + big.length);
    expect(w.pieces()).toHaveLength(1);
    expect(w.view().subarray(4)).toEqual(big);
  });
});
