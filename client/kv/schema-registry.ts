/**
 * A small Confluent Schema Registry client: register a schema under a subject
 * (POST /subjects/{subject}/versions → {"id"}) and look a schema up by id
 * (GET /schemas/ids/{id} → {"schema", "schemaType"}; no schemaType means AVRO). Both answers
 * are cached — ids are immutable in the registry — so a serde asks once per schema.
 */
import { KvError } from "./errors.ts";

export type SchemaType = "AVRO" | "PROTOBUF" | "JSON";

export interface RegisteredSchema {
  schema: string;
  schemaType: SchemaType;
}

export interface SchemaRegistryOptions {
  /** Base URL, e.g. "http://localhost:8081". */
  url: string;
  /** Per-request timeout. Default 10 s. */
  timeoutMs?: number;
  /** Extra headers (an Authorization header for a hosted registry). */
  headers?: Readonly<Record<string, string>>;
}

const CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

export class SchemaRegistryClient {
  readonly url: string;
  readonly #timeoutMs: number;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #ids = new Map<string, Promise<number>>();
  readonly #schemas = new Map<number, Promise<RegisteredSchema>>();

  constructor(opts: SchemaRegistryOptions | string) {
    const o = typeof opts === "string" ? { url: opts } : opts;
    this.url = o.url.replace(/\/+$/, "");
    this.#timeoutMs = o.timeoutMs ?? 10_000;
    this.#headers = o.headers ?? {};
  }

  /** The id of `schema` under `subject`, registering it when the subject lacks it. */
  register(subject: string, schema: RegisteredSchema): Promise<number> {
    const cacheKey = `${subject}\u0000${schema.schemaType}\u0000${schema.schema}`;
    let p = this.#ids.get(cacheKey);
    if (!p) {
      p = this.#request("POST", `/subjects/${encodeURIComponent(subject)}/versions`, {
        schema: schema.schema,
        // The registry's default is AVRO, and older registries reject the field.
        ...(schema.schemaType === "AVRO" ? {} : { schemaType: schema.schemaType }),
      }).then((body) => {
        const id = (body as { id?: unknown }).id;
        if (typeof id !== "number")
          throw new KvError(
            "schema_registry",
            `registry answered without an id: ${JSON.stringify(body)}`,
          );
        return id;
      });
      this.#cache(this.#ids, cacheKey, p);
    }
    return p;
  }

  /** The schema registered under `id`. */
  schemaById(id: number): Promise<RegisteredSchema> {
    let p = this.#schemas.get(id);
    if (!p) {
      p = this.#request("GET", `/schemas/ids/${id}`).then((body) => {
        const b = body as { schema?: unknown; schemaType?: unknown };
        if (typeof b.schema !== "string")
          throw new KvError("schema_registry", `registry answered schema ${id} without a schema`);
        const type = typeof b.schemaType === "string" ? b.schemaType : "AVRO";
        if (type !== "AVRO" && type !== "PROTOBUF" && type !== "JSON")
          throw new KvError("schema_registry", `schema ${id} has unknown type ${type}`);
        return { schema: b.schema, schemaType: type };
      });
      this.#cache(this.#schemas, id, p);
    }
    return p;
  }

  /** Keeps successes only, so a registry that was briefly away is asked again. */
  #cache<K, V>(map: Map<K, Promise<V>>, key: K, p: Promise<V>): void {
    map.set(key, p);
    p.catch(() => {
      if (map.get(key) === p) map.delete(key);
    });
  }

  async #request(method: "GET" | "POST", path: string, body?: unknown): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, {
        method,
        headers: { Accept: CONTENT_TYPE, "Content-Type": CONTENT_TYPE, ...this.#headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (err) {
      throw new KvError(
        "schema_registry",
        `schema registry ${this.url} unreachable (${method} ${path}): ${err instanceof Error ? err.message : err}`,
        { cause: err },
      );
    }
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON: reported below with the status.
    }
    if (!res.ok) {
      const e = json as { error_code?: unknown; message?: unknown } | null;
      const detail =
        e && typeof e.message === "string"
          ? `${e.error_code ?? res.status} ${e.message}`
          : text.slice(0, 200);
      throw new KvError(
        "schema_registry",
        `schema registry ${method} ${path}: HTTP ${res.status}: ${detail}`,
      );
    }
    if (json === null)
      throw new KvError("schema_registry", `schema registry ${method} ${path}: answer is not JSON`);
    return json;
  }
}

/** How a serde uses a registry: the client (or its URL) and the subject (default "<topic>-value"). */
export interface RegistryBinding {
  registry: SchemaRegistryClient | string | SchemaRegistryOptions;
  subject?: string;
}

export function registryClient(b: RegistryBinding): SchemaRegistryClient {
  return b.registry instanceof SchemaRegistryClient
    ? b.registry
    : new SchemaRegistryClient(b.registry);
}

/** Confluent's TopicNameStrategy unless a subject is given. */
export function subjectFor(b: RegistryBinding, topic: string): string {
  return b.subject ?? `${topic}-value`;
}
