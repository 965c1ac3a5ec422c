/**
 * Kafka-style ids (cluster id, topic id): 16 random bytes as 22 characters of URL-safe
 * base64 without padding, like Java's `Uuid.randomUuid().toString()`. Randomness comes
 * from the injected Random (DESIGN.md rule 1). Kafka reserves the all-zero id and ids
 * starting with '-' (command-line confusion), so those are drawn again.
 */
import type { Random } from "./clock.ts";

export function newKafkaId(random: Random): string {
  for (;;) {
    const bytes = random.bytes(16);
    const id = Buffer.from(bytes.buffer, bytes.byteOffset, 16).toString("base64url");
    if (id !== "AAAAAAAAAAAAAAAAAAAAAA" && !id.startsWith("-")) return id;
  }
}
