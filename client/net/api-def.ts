/**
 * What the client needs to know about one API to send it: key, the version range the
 * client implements (capped where newer versions change semantics we do not handle), the
 * first flexible version (for header versions) and the generated codec pair.
 */
import type { Input } from "../../protocol/codec/generated-support.ts";
import type { Reader } from "../../protocol/codec/reader.ts";
import type { Writer } from "../../protocol/codec/writer.ts";

export interface ApiDef<Req, Res> {
  key: number;
  name: string;
  minVersion: number;
  maxVersion: number;
  /** First flexible version (KIP-482), or Infinity when none is. */
  flexibleFrom: number;
  encode(w: Writer, m: Input<Req>, version: number): void;
  decode(r: Reader, version: number): Res;
}

export type RequestOf<D> = D extends ApiDef<infer Req, unknown> ? Input<Req> : never;
export type ResponseOf<D> = D extends ApiDef<unknown, infer Res> ? Res : never;
