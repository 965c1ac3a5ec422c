/**
 * datacore/kv: a key-value store on a single-partition compacted topic, with
 * read-your-own-writes. See README.md in this folder.
 */
export { type AvroSchema, type AvroSerdeOptions, avroSerde } from "./avro.ts";
export { compareBytes, type KeyLike, prefixEnd, toBytes, utf8 } from "./bytes.ts";
export { KvError, type KvErrorCode } from "./errors.ts";
export {
  KvBatch,
  type KvEvent,
  type KvHooks,
  KvStore,
  type KvStoreOptions,
  type RangeBounds,
  type RangeOptions,
  type RangeQuery,
} from "./kv-store.ts";
export { type KvEntry, type LocalStore, type ScanQuery, SortedMemoryStore } from "./local-store.ts";
export { type ProtobufSchema, type ProtobufSerdeOptions, protobufSerde } from "./protobuf.ts";
export {
  type RegisteredSchema,
  type RegistryBinding,
  SchemaRegistryClient,
  type SchemaRegistryOptions,
  type SchemaType,
} from "./schema-registry.ts";
export {
  bytesSerde,
  type JsonSerdeOptions,
  jsonSerde,
  type Serde,
  type SerdeContext,
  stringSerde,
} from "./serde.ts";
export { TypedBatch, type TypedEntry, TypedKvStore } from "./typed-store.ts";
export {
  decodeMessageIndexes,
  encodeMessageIndexes,
  frame,
  MAGIC_BYTE,
  unframe,
} from "./wire-format.ts";
