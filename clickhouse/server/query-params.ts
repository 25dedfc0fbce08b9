/**
 * Turns `param_<name>` values, which arrive as text in ClickHouse's HTTP
 * parameter encoding (TSV-escaped, composites as literals, `\N` for NULL),
 * into the JS values chDB's `queryBindAsync` binds, such that the text chDB
 * finally hands the engine means the same as what the client sent.
 *
 * chDB re-encodes every bound string with TSV escaping (`\` → `\\`, TAB →
 * `\t`, …). Guarantees, for each raw value:
 * - `\N` binds NULL;
 * - a value already in that escaping's image (every backslash starts `\\`,
 *   `\0`, `\b`, `\f`, `\n`, `\r` or `\t`; no raw control characters) is
 *   unescaped, so the engine receives the client's bytes unchanged — this is
 *   every number, date, plain string and backslash-free composite;
 * - otherwise (e.g. clickhouse-js' `\'` for an apostrophe): a scalar is fully
 *   unescaped to the string it denotes; a composite (Array/Tuple/Map/Nested
 *   placeholder) has each quoted element decoded and re-quoted with `''`, so
 *   the re-escaped text parses to the same value.
 */

const INVERTIBLE = /^(?:[^\\\0\b\f\n\r\t]|\\[\\0bfnrt])*$/;
const SIMPLE_UNESCAPE: Record<string, string> = { '\\': '\\', '0': '\0', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
const FULL_UNESCAPE: Record<string, number> = { a: 0x07, b: 0x08, e: 0x1b, f: 0x0c, n: 0x0a, r: 0x0d, t: 0x09, v: 0x0b, '0': 0x00 };

/**
 * Decodes ClickHouse escape sequences the way `readEscapedString` /
 * `readQuotedString` do: `\xHH` bytes, the named escapes, `\N` as nothing,
 * any other `\c` as `c`. Works on UTF-8 bytes so `\xHH` sequences compose.
 */
function decodeEscapes(text: string, options: { doubledQuote?: boolean } = {}): string {
  const bytes = Buffer.from(text, 'utf8');
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x5c && i + 1 < bytes.length) {
      const next = String.fromCharCode(bytes[++i]!);
      const hex = bytes.subarray(i + 1, i + 3).toString('latin1');
      if (next === 'x' && /^[0-9a-fA-F]{2}$/.test(hex)) {
        out.push(Number.parseInt(hex, 16));
        i += 2;
      } else if (next === 'N') {
        // ClickHouse reads \N inside text as nothing.
      } else {
        out.push(FULL_UNESCAPE[next] ?? bytes[i]!);
      }
    } else if (options.doubledQuote && b === 0x27 && bytes[i + 1] === 0x27) {
      out.push(0x27);
      i++;
    } else {
      out.push(b);
    }
  }
  return Buffer.from(out).toString('utf8');
}

/**
 * Rewrites a composite literal so chDB's TSV re-escaping does not change its
 * meaning: quoted strings are decoded and re-quoted SQL-style (`'` → `''`),
 * their backslashes and control characters left raw for chDB to escape.
 */
function canonicalComposite(raw: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch !== "'") {
      out += /[\0\b\f\n\r\t]/.test(ch) ? ' ' : ch;
      continue;
    }
    let j = i + 1;
    let inner = '';
    while (j < raw.length) {
      const c = raw[j]!;
      if (c === '\\' && j + 1 < raw.length) {
        inner += raw.slice(j, j + 2);
        j += 2;
      } else if (c === "'" && raw[j + 1] === "'") {
        inner += "''";
        j += 2;
      } else if (c === "'") {
        break;
      } else {
        inner += c;
        j++;
      }
    }
    out += `'${decodeEscapes(inner, { doubledQuote: true }).replace(/'/g, "''")}'`;
    i = j;
  }
  return out;
}

function isCompositeType(type: string | undefined): boolean {
  if (type === undefined) return false;
  let t = type.trim();
  for (;;) {
    const wrapped = /^(?:Nullable|LowCardinality)\s*\(([\s\S]*)\)$/i.exec(t);
    if (!wrapped) break;
    t = wrapped[1]!.trim();
  }
  return /^(?:Array|Tuple|Map|Nested)\s*\(/i.test(t);
}

/**
 * The value to bind for one raw HTTP parameter.
 * @param type the placeholder's declared type in the query, when found
 */
export function bindValueOf(raw: string, type: string | undefined): string | null {
  if (raw === '\\N') return null;
  if (INVERTIBLE.test(raw)) return raw.replace(/\\([\\0bfnrt])/g, (_, c: string) => SIMPLE_UNESCAPE[c]!);
  return isCompositeType(type) ? canonicalComposite(raw) : decodeEscapes(raw);
}

/** All parameters of a request, as chDB binding values. */
export function bindValues(params: Record<string, string>, types: Map<string, string>): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [name, raw] of Object.entries(params)) out[name] = bindValueOf(raw, types.get(name));
  return out;
}
