/**
 * Writes crc32c-wasm-bytes.ts from crc32c-wasm-source.ts:
 * `bun protocol/records/crc32c-wasm-generate.ts [--out <file>]`.
 *
 * A build-time tool like protocol/generate.ts (the only reason it may touch the file system);
 * nothing at runtime imports it. tests/unit/protocol/records/crc32c.test.ts checks that the
 * committed file equals a fresh render.
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { renderCrc32cWasmFile } from "./crc32c-wasm-source.ts";

const outFlag = process.argv.indexOf("--out");
const out =
  outFlag >= 0
    ? resolve(process.argv[outFlag + 1]!)
    : resolve(import.meta.dir, "crc32c-wasm-bytes.ts");
writeFileSync(out, renderCrc32cWasmFile());
console.log(`wrote ${out}`);
