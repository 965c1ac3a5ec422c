/**
 * Installs node:zlib's bounded gunzip as the gzip inflater of protocol/compression. The
 * protocol layer may not import `node:` modules, so its default for large inputs is a
 * pure-JS inflater (~25 MB/s); zlib with maxOutputLength keeps the decompression-bomb cap
 * at native speed (~440 MB/s, bench/records.ts). Imported for its effect by the client's
 * entry point and by main.ts, so library users and the executable both get it.
 */
import { gunzipSync } from "node:zlib";
import { setGzipInflater } from "../protocol/compression/index.ts";

setGzipInflater((src, maxOutputBytes) => gunzipSync(src, { maxOutputLength: maxOutputBytes }));
