/** Types for the untyped `snappyjs` package (raw Snappy blocks, no framing). */
declare module "snappyjs" {
  export function compress(data: Uint8Array): Uint8Array;
}
