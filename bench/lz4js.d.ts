/** Types for the untyped `lz4js` package, used only as a comparison in bench/records.ts. */
declare module "lz4js" {
  const lz4js: {
    compress(data: Uint8Array): Uint8Array;
    decompress(data: Uint8Array): Uint8Array;
  };
  export default lz4js;
}
