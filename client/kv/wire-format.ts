/**
 * The Confluent schema-registry wire format: magic byte 0, the schema id as a 4-byte
 * big-endian integer, then the payload. Protobuf payloads start with the message-index
 * path (which message of the .proto file): a zigzag-varint count and that many zigzag
 * varints, with the common path [0] written as the single byte 0.
 */
import { KvError } from "./errors.ts";

export const MAGIC_BYTE = 0;

export interface Framed {
  schemaId: number;
  /** The bytes after the 5-byte header (message indexes included for Protobuf). */
  payload: Uint8Array;
}

export function frame(schemaId: number, payload: Uint8Array, prefix?: Uint8Array): Uint8Array {
  const pre = prefix?.length ?? 0;
  const out = new Uint8Array(5 + pre + payload.length);
  out[0] = MAGIC_BYTE;
  new DataView(out.buffer).setUint32(1, schemaId);
  if (prefix) out.set(prefix, 5);
  out.set(payload, 5 + pre);
  return out;
}

export function unframe(bytes: Uint8Array): Framed {
  if (bytes.length < 5 || bytes[0] !== MAGIC_BYTE)
    throw new KvError(
      "serde",
      `value is not in the schema-registry wire format (${bytes.length < 5 ? `${bytes.length} bytes` : `magic byte ${bytes[0]}`})`,
    );
  const schemaId = new DataView(bytes.buffer, bytes.byteOffset, 5).getUint32(1);
  return { schemaId, payload: bytes.subarray(5) };
}

export function encodeMessageIndexes(indexes: readonly number[]): Uint8Array {
  if (indexes.length === 1 && indexes[0] === 0) return new Uint8Array([0]);
  const out: number[] = [];
  writeZigzag(out, indexes.length);
  for (const i of indexes) writeZigzag(out, i);
  return new Uint8Array(out);
}

/** The message-index path and where the Protobuf message itself starts. */
export function decodeMessageIndexes(payload: Uint8Array): { indexes: number[]; offset: number } {
  const pos = { at: 0 };
  const count = readZigzag(payload, pos);
  if (count === 0) return { indexes: [0], offset: pos.at };
  if (count < 0 || count > 100)
    throw new KvError("serde", `invalid Protobuf message-index count ${count}`);
  const indexes: number[] = [];
  for (let i = 0; i < count; i++) indexes.push(readZigzag(payload, pos));
  return { indexes, offset: pos.at };
}

function writeZigzag(out: number[], n: number): void {
  let v = ((n << 1) ^ (n >> 31)) >>> 0;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
}

function readZigzag(bytes: Uint8Array, pos: { at: number }): number {
  let v = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    const b = bytes[pos.at++];
    if (b === undefined) throw new KvError("serde", "truncated Protobuf message indexes");
    v |= (b & 0x7f) << shift;
    if ((b & 0x80) === 0) return (v >>> 1) ^ -(v & 1);
  }
  throw new KvError("serde", "Protobuf message-index varint is too long");
}
