/**
 * Exit codes shared by every command: 0 success, 1 a Kafka-level or runtime failure,
 * 2 a usage or configuration error (as rpk and most Unix tools do).
 */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Thrown by a command to end the process with a message on stderr and an exit code. */
export class CliExit extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = "CliExit";
  }
}
