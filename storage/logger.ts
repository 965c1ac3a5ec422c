/**
 * The logging surface storage needs. Structurally identical to broker/logger.ts's Logger,
 * so the broker passes its own; storage must not import broker code.
 */
export type StorageLogFields = Record<
  string,
  string | number | bigint | boolean | null | undefined
>;

export interface StorageLogger {
  debug(msg: string, fields?: StorageLogFields): void;
  info(msg: string, fields?: StorageLogFields): void;
  warn(msg: string, fields?: StorageLogFields): void;
  error(msg: string, fields?: StorageLogFields): void;
  child(fields: StorageLogFields): StorageLogger;
}

export const silentStorageLogger: StorageLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silentStorageLogger,
};
