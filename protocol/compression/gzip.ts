/**
 * Gzip for Kafka codec 1.
 *
 * Bun's native gunzip is ~20× faster than the pure-JS fflate here (bench/records.ts), but
 * it cannot stop at an output cap. Deflate cannot expand more than 1032:1, so when
 * `input × 1032 ≤ cap` the native call is provably bounded and we use it. Otherwise we
 * first reject on the trailer's declared size (ISIZE) and then inflate with fflate's
 * streaming decoder, which checks the cap as output appears. Runtimes that may use
 * `node:zlib` can install a bounded native inflater with setGzipInflater (its
 * gunzipSync with maxOutputLength runs at native speed); protocol/ itself must not.
 */
import { Gunzip } from "fflate";
import { RecordsError } from "../records/errors.ts";

/** Deflate's maximum expansion ratio (258-byte matches from 2-bit codes, plus slack). */
export const DEFLATE_MAX_RATIO = 1032;

/** A gunzip that throws (anything) once the output would exceed `maxOutputBytes`. */
export type GzipInflater = (src: Uint8Array, maxOutputBytes: number) => Uint8Array;

let inflater: GzipInflater | null = null;

/** Installs a bounded native inflater (e.g. node:zlib gunzipSync with maxOutputLength). */
export function setGzipInflater(fn: GzipInflater | null): void {
  inflater = fn;
}

function limitError(max: number): RecordsError {
  return new RecordsError("decompression_limit", `gzip output exceeds ${max} bytes`);
}

export function gzipCompress(data: Uint8Array, level = 6): Uint8Array {
  return Bun.gzipSync(data as Uint8Array<ArrayBuffer>, { level: level as 6 });
}

const CHUNK = 16 * 1024;

function streamingGunzip(src: Uint8Array, maxOutputBytes: number): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  const stream = new Gunzip((chunk) => {
    total += chunk.length;
    if (total > maxOutputBytes) throw limitError(maxOutputBytes);
    parts.push(chunk);
  });
  for (let p = 0; p < src.length; p += CHUNK) {
    stream.push(src.subarray(p, p + CHUNK), p + CHUNK >= src.length);
  }
  const out = new Uint8Array(total);
  let d = 0;
  for (const part of parts) {
    out.set(part, d);
    d += part.length;
  }
  return out;
}

/** Decompresses gzip (one or more members), never producing more than `maxOutputBytes`. */
export function gzipDecompress(src: Uint8Array, maxOutputBytes: number): Uint8Array {
  if (src.length < 18 || src[0] !== 0x1f || src[1] !== 0x8b) {
    throw new RecordsError("bad_compressed_data", "gzip: bad header");
  }
  try {
    if (src.length * DEFLATE_MAX_RATIO <= maxOutputBytes) {
      return Bun.gunzipSync(src as Uint8Array<ArrayBuffer>);
    }
    const isize = new DataView(src.buffer, src.byteOffset, src.byteLength).getUint32(
      src.length - 4,
      true,
    );
    if (isize > maxOutputBytes) throw limitError(maxOutputBytes);
    if (inflater !== null) {
      const out = inflater(src, maxOutputBytes);
      if (out.length > maxOutputBytes) throw limitError(maxOutputBytes);
      return out;
    }
    return streamingGunzip(src, maxOutputBytes);
  } catch (e) {
    if (e instanceof RecordsError) throw e;
    if (e instanceof Error && /larger than|exceed|too large/i.test(e.message)) {
      throw new RecordsError("decompression_limit", `gzip output exceeds ${maxOutputBytes} bytes`, {
        cause: e,
      });
    }
    throw new RecordsError("bad_compressed_data", "gzip: corrupt data", { cause: e });
  }
}
