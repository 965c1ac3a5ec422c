/**
 * The opaque `metadata` (ConsumerProtocolSubscription) and `assignment`
 * (ConsumerProtocolAssignment) bytes the classic consumer protocol carries inside
 * JoinGroup and SyncGroup. Fixed, non-flexible layouts (messages/ConsumerProtocol*.json):
 * int16 version, then big-endian fields. We write version 1 subscriptions (topics, user
 * data, owned partitions), which every broker and client understands, and read 0-3.
 */
import { ProtocolError } from "../../protocol/codec/errors.ts";

export interface Subscription {
  topics: string[];
  userData: Uint8Array | null;
  ownedPartitions: { topic: string; partitions: number[] }[];
  generationId?: number;
  rackId?: string | null;
}

export interface MemberAssignment {
  assigned: Map<string, number[]>;
  userData: Uint8Array | null;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

class Out {
  parts: number[] = [];
  i16(v: number): void {
    this.parts.push((v >> 8) & 0xff, v & 0xff);
  }
  i32(v: number): void {
    this.parts.push((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
  }
  str(s: string): void {
    const b = encoder.encode(s);
    this.i16(b.length);
    for (const x of b) this.parts.push(x);
  }
  bytes(b: Uint8Array | null): void {
    if (b === null) {
      this.i32(-1);
      return;
    }
    this.i32(b.length);
    for (const x of b) this.parts.push(x);
  }
  done(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

class In {
  #view: DataView;
  #pos = 0;
  constructor(readonly buf: Uint8Array) {
    this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  get remaining(): number {
    return this.buf.length - this.#pos;
  }
  #need(n: number): void {
    if (this.#pos + n > this.buf.length)
      throw new ProtocolError("truncated", "consumer protocol data truncated");
  }
  i16(): number {
    this.#need(2);
    const v = this.#view.getInt16(this.#pos);
    this.#pos += 2;
    return v;
  }
  i32(): number {
    this.#need(4);
    const v = this.#view.getInt32(this.#pos);
    this.#pos += 4;
    return v;
  }
  str(): string | null {
    const n = this.i16();
    if (n < 0) return null;
    this.#need(n);
    const s = decoder.decode(this.buf.subarray(this.#pos, this.#pos + n));
    this.#pos += n;
    return s;
  }
  bytes(): Uint8Array | null {
    const n = this.i32();
    if (n < 0) return null;
    this.#need(n);
    const b = this.buf.slice(this.#pos, this.#pos + n);
    this.#pos += n;
    return b;
  }
  count(): number {
    const n = this.i32();
    if (n < 0) return 0;
    if (n > this.remaining) throw new ProtocolError("invalid_length", "array count exceeds data");
    return n;
  }
}

export function encodeSubscription(s: Subscription): Uint8Array {
  const o = new Out();
  o.i16(1);
  o.i32(s.topics.length);
  for (const t of s.topics) o.str(t);
  o.bytes(s.userData);
  o.i32(s.ownedPartitions.length);
  for (const tp of s.ownedPartitions) {
    o.str(tp.topic);
    o.i32(tp.partitions.length);
    for (const p of tp.partitions) o.i32(p);
  }
  return o.done();
}

export function decodeSubscription(buf: Uint8Array): Subscription {
  const r = new In(buf);
  const version = r.i16();
  const topics: string[] = [];
  for (let n = r.count(); n > 0; n--) topics.push(r.str() ?? "");
  const out: Subscription = { topics, userData: r.bytes(), ownedPartitions: [] };
  // Newer fields are "ignorable": older readers stop early, newer writers may omit them.
  if (version >= 1 && r.remaining > 0) {
    for (let n = r.count(); n > 0; n--) {
      const topic = r.str() ?? "";
      const partitions: number[] = [];
      for (let k = r.count(); k > 0; k--) partitions.push(r.i32());
      out.ownedPartitions.push({ topic, partitions });
    }
  }
  if (version >= 2 && r.remaining > 0) out.generationId = r.i32();
  if (version >= 3 && r.remaining > 0) out.rackId = r.str();
  return out;
}

export function encodeAssignment(a: MemberAssignment): Uint8Array {
  const o = new Out();
  o.i16(0);
  o.i32(a.assigned.size);
  for (const [topic, partitions] of a.assigned) {
    o.str(topic);
    o.i32(partitions.length);
    for (const p of partitions) o.i32(p);
  }
  o.bytes(a.userData);
  return o.done();
}

export function decodeAssignment(buf: Uint8Array): MemberAssignment {
  // An empty assignment is sent as zero bytes by some brokers/clients when a member gets nothing.
  if (buf.length === 0) return { assigned: new Map(), userData: null };
  const r = new In(buf);
  r.i16();
  const assigned = new Map<string, number[]>();
  for (let n = r.count(); n > 0; n--) {
    const topic = r.str() ?? "";
    const partitions: number[] = [];
    for (let k = r.count(); k > 0; k--) partitions.push(r.i32());
    assigned.set(topic, partitions);
  }
  const userData = r.remaining >= 4 ? r.bytes() : null;
  return { assigned, userData };
}
