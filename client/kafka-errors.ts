/** Turns a Kafka error code from a response into a KafkaError with Kafka's name and message. */
import { errorInfo, errorName, isRetriable } from "../protocol/errors.ts";
import { KafkaError } from "./errors.ts";

export function kafkaError(
  code: number,
  context: string,
  brokerMessage?: string | null,
): KafkaError {
  const info = errorInfo(code);
  const detail = brokerMessage || info?.message || "unknown error";
  return new KafkaError(code, errorName(code), info?.retriable ?? false, `${context}: ${detail}`);
}

export function isRetriableCode(code: number): boolean {
  return isRetriable(code);
}

export { errorName };
