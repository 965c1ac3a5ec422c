/**
 * rpk/kcat-style templates for `topic consume --format` and key/value splitting for
 * `topic produce`. Placeholders (as rpk): %t topic, %k key, %v value, %p partition,
 * %o offset, %d timestamp (ms), %h headers (k=v,…), %K key length, %V value length,
 * %% a percent sign; escapes \n \t \r \\ \0 as in kcat.
 */

export interface FormattableRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: { key: string; value: Uint8Array | null }[];
}

type Piece = string | ((r: FormattableRecord) => Uint8Array | string);

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const PLACEHOLDERS: Record<string, (r: FormattableRecord) => Uint8Array | string> = {
  t: (r) => r.topic,
  k: (r) => r.key ?? "",
  v: (r) => r.value ?? "",
  p: (r) => String(r.partition),
  o: (r) => String(r.offset),
  d: (r) => String(r.timestamp),
  h: (r) =>
    r.headers.map((h) => `${h.key}=${h.value === null ? "" : decoder.decode(h.value)}`).join(","),
  K: (r) => String(r.key?.length ?? -1),
  V: (r) => String(r.value?.length ?? -1),
};

const ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", "\\": "\\", "0": "\0" };

/** Turns `\n`-style escapes typed on a command line into the characters. */
export function unescapeCli(text: string): string {
  return text.replace(/\\([ntr\\0])/g, (_m, c: string) => ESCAPES[c] ?? c);
}

/** Compiles a template once; the returned function writes one record's bytes. */
export function compileTemplate(template: string): (r: FormattableRecord) => Uint8Array {
  const pieces: Piece[] = [];
  let literal = "";
  const text = unescapeCli(template);
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== "%" || i + 1 >= text.length) {
      literal += c;
      continue;
    }
    const next = text[++i]!;
    if (next === "%") {
      literal += "%";
      continue;
    }
    const fn = PLACEHOLDERS[next];
    if (!fn)
      throw new Error(`unknown placeholder %${next} in format (use %t %k %v %p %o %d %h %K %V)`);
    if (literal) pieces.push(literal);
    literal = "";
    pieces.push(fn);
  }
  if (literal) pieces.push(literal);
  return (r) => {
    const parts = pieces.map((p) => {
      const v = typeof p === "string" ? p : p(r);
      return typeof v === "string" ? encoder.encode(v) : v;
    });
    if (parts.length === 1) return parts[0]!;
    let n = 0;
    for (const p of parts) n += p.length;
    const out = new Uint8Array(n);
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  };
}

/**
 * Splits a byte stream into records at `delimiter`, chunk by chunk, so `topic produce`
 * sends each line as it arrives (tail -f | datacore topic produce t). Lines inside a chunk
 * are views; only a line cut across chunks is copied. A final line without a delimiter is
 * still a record; a trailing delimiter does not start an empty one.
 */
export class LineSplitter {
  #carry: Uint8Array | null = null;
  constructor(private readonly delimiter = 0x0a) {}

  push(chunk: Uint8Array, onLine: (line: Uint8Array) => void): void {
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      if (chunk[i] !== this.delimiter) continue;
      const piece = chunk.subarray(start, i);
      if (this.#carry) {
        onLine(concatBytes(this.#carry, piece));
        this.#carry = null;
      } else {
        onLine(piece);
      }
      start = i + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      this.#carry = this.#carry ? concatBytes(this.#carry, rest) : rest.slice();
    }
  }

  end(onLine: (line: Uint8Array) => void): void {
    if (this.#carry) onLine(this.#carry);
    this.#carry = null;
  }
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Splits a whole input into lines (see LineSplitter). */
export function splitLines(input: Uint8Array, delimiter = 0x0a): Uint8Array[] {
  const out: Uint8Array[] = [];
  const splitter = new LineSplitter(delimiter);
  splitter.push(input, (l) => out.push(l));
  splitter.end((l) => out.push(l));
  return out;
}

/** kcat -K: splits a line at the first occurrence of `separator` into key and value. */
export function splitKey(
  line: Uint8Array,
  separator: Uint8Array,
): { key: Uint8Array | null; value: Uint8Array } {
  outer: for (let i = 0; i + separator.length <= line.length; i++) {
    for (let j = 0; j < separator.length; j++) if (line[i + j] !== separator[j]) continue outer;
    return { key: line.subarray(0, i), value: line.subarray(i + separator.length) };
  }
  return { key: null, value: line };
}
