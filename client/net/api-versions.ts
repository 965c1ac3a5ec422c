/**
 * ApiVersions v0, hand-written because it is the one request sent before any version is
 * known: its v0 request is empty and its v0 response (error, [key, min, max]) is readable
 * by every broker version, so negotiation never depends on the generated codecs.
 */
import type { Reader } from "../../protocol/codec/reader.ts";

export const API_VERSIONS_KEY = 18;

export interface VersionRange {
  min: number;
  max: number;
}

export interface ApiVersionsResult {
  errorCode: number;
  apis: Map<number, VersionRange>;
}

export function decodeApiVersionsV0(r: Reader): ApiVersionsResult {
  const errorCode = r.int16();
  const apis = new Map<number, VersionRange>();
  const n = r.int32();
  for (let i = 0; i < n; i++) {
    const key = r.int16();
    const min = r.int16();
    const max = r.int16();
    apis.set(key, { min, max });
  }
  return { errorCode, apis };
}

/** Highest version both sides support, or -1 when the ranges do not overlap. */
export function pickVersion(ours: VersionRange, theirs: VersionRange | undefined): number {
  if (!theirs) return -1;
  const v = Math.min(ours.max, theirs.max);
  return v >= Math.max(ours.min, theirs.min) ? v : -1;
}
