/** Producer compression choice by name, mapped onto protocol/compression. */

import {
  COMPRESSION_CODEC_NAMES,
  type CompressionCodecName,
} from "../../protocol/compression/codec-id.ts";
import { type CompressionCodecId, compress } from "../../protocol/compression/index.ts";
import { ClientError } from "../errors.ts";

export type CompressionName = CompressionCodecName;

export function compressorFor(
  name: CompressionName,
): { codec: number; compress(data: Uint8Array): Uint8Array } | undefined {
  const codec = COMPRESSION_CODEC_NAMES.indexOf(name);
  if (codec < 0)
    throw new ClientError(
      "invalid_argument",
      `unknown compression "${name}" (use ${COMPRESSION_CODEC_NAMES.join(", ")})`,
    );
  if (codec === 0) return undefined;
  const id = codec as CompressionCodecId;
  return { codec, compress: (data) => compress(id, data) };
}
