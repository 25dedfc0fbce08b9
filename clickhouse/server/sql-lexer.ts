/**
 * A tokenizer for ClickHouse SQL, just precise enough to find statement
 * structure: where a statement ends, which keywords sit at the top level, and
 * where INSERT data begins. It guarantees that string literals, quoted
 * identifiers, heredocs and comments are never mistaken for structure (a `;`
 * or `FORMAT` inside them is not seen), and that every token's `start`/`end`
 * are byte offsets into the original bytes: the lexer works on a latin1 view
 * of the buffer, one character per byte, and every syntactic character is
 * ASCII, so multi-byte UTF-8 only ever appears inside words, literals or
 * comments.
 *
 * It does not validate SQL; the engine does that. Malformed input (an
 * unterminated literal) yields a final token that runs to the end.
 */

export type TokenType =
  | 'whitespace'
  | 'comment'
  | 'word'
  | 'quoted_identifier'
  | 'string'
  | 'number'
  | 'heredoc'
  | 'punctuation';

export interface Token {
  type: TokenType;
  /** Byte offset of the first byte. */
  start: number;
  /** Byte offset one past the last byte. */
  end: number;
}

const isWordStart = (c: number): boolean =>
  (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c >= 0x80;
const isWordPart = (c: number): boolean => isWordStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x24;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0c || c === 0x0b;

/** The latin1 view of some SQL: one JS character per byte. */
export function latin1View(sql: Buffer | string): string {
  return typeof sql === 'string' ? Buffer.from(sql, 'utf8').toString('latin1') : sql.toString('latin1');
}

/** Decodes a latin1 slice back to the UTF-8 text it stands for. */
export function fromLatin1(view: string): string {
  return Buffer.from(view, 'latin1').toString('utf8');
}

/** End offset of a quoted run opened at `start` by `quote`: backslash escapes and doubled quotes stay inside. */
function quotedEnd(s: string, start: number, quote: number): number {
  let i = start + 1;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === 0x5c) {
      i += 2;
      continue;
    }
    if (c === quote) {
      if (s.charCodeAt(i + 1) === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return s.length;
}

/** End offset of a (possibly nested) block comment opened at `start`. */
function blockCommentEnd(s: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < s.length) {
    if (s.startsWith('/*', i)) {
      depth++;
      i += 2;
    } else if (s.startsWith('*/', i)) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return s.length;
}

/** Tokens of `s` (a latin1 view), from `from`, lazily: callers may stop early (INSERT data is never lexed). */
export function* tokenize(s: string, from = 0): Generator<Token> {
  let i = from;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    const start = i;
    let type: TokenType;
    if (isSpace(c)) {
      while (i < s.length && isSpace(s.charCodeAt(i))) i++;
      type = 'whitespace';
    } else if (s.startsWith('--', i) || (c === 0x23 && (s[i + 1] === ' ' || s[i + 1] === '!'))) {
      const nl = s.indexOf('\n', i);
      i = nl === -1 ? s.length : nl;
      type = 'comment';
    } else if (s.startsWith('/*', i)) {
      i = blockCommentEnd(s, i);
      type = 'comment';
    } else if (c === 0x27) {
      i = quotedEnd(s, i, c);
      type = 'string';
    } else if (c === 0x60 || c === 0x22) {
      i = quotedEnd(s, i, c);
      type = 'quoted_identifier';
    } else if (c === 0x24 && /^\$[A-Za-z0-9_]*\$/.test(s.slice(i, i + 256))) {
      const tag = /^\$[A-Za-z0-9_]*\$/.exec(s.slice(i, i + 256))![0];
      const close = s.indexOf(tag, i + tag.length);
      i = close === -1 ? s.length : close + tag.length;
      type = 'heredoc';
    } else if (isDigit(c) || (c === 0x2e && isDigit(s.charCodeAt(i + 1)))) {
      i++;
      while (i < s.length) {
        const d = s.charCodeAt(i);
        if (isWordPart(d) || d === 0x2e) {
          i++;
        } else if ((d === 0x2b || d === 0x2d) && /[eEpP]/.test(s[i - 1] ?? '')) {
          i++;
        } else {
          break;
        }
      }
      type = 'number';
    } else if (isWordStart(c)) {
      while (i < s.length && isWordPart(s.charCodeAt(i))) i++;
      type = 'word';
    } else {
      i++;
      type = 'punctuation';
    }
    yield { type, start, end: i };
  }
}

/** Whether a token carries meaning (not whitespace or a comment). */
export const isSignificant = (t: Token): boolean => t.type !== 'whitespace' && t.type !== 'comment';

/** The unquoted name of a word or quoted identifier token, or undefined for any other token. */
export function identifierOf(s: string, t: Token): string | undefined {
  if (t.type === 'word') return fromLatin1(s.slice(t.start, t.end));
  if (t.type !== 'quoted_identifier') return undefined;
  const quote = s[t.start]!;
  const inner = s.slice(t.start + 1, t.end - 1);
  let out = '';
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i]!;
    if (ch === '\\' && i + 1 < inner.length) {
      out += inner[++i];
    } else if (ch === quote && inner[i + 1] === quote) {
      out += quote;
      i++;
    } else {
      out += ch;
    }
  }
  return fromLatin1(out);
}

/** The value of a single-quoted string literal token (backslash escapes and doubled quotes decoded). */
export function stringLiteralValue(s: string, t: Token): string {
  const inner = s.slice(t.start + 1, t.end - 1);
  const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', b: '\b', f: '\f', a: '\x07', v: '\x0b', e: '\x1b' };
  let out = '';
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i]!;
    if (ch === '\\' && i + 1 < inner.length) {
      const next = inner[++i]!;
      if (next === 'x' && /^[0-9a-fA-F]{2}$/.test(inner.slice(i + 1, i + 3))) {
        out += String.fromCharCode(Number.parseInt(inner.slice(i + 1, i + 3), 16));
        i += 2;
      } else {
        out += escapes[next] ?? next;
      }
    } else if (ch === "'" && inner[i + 1] === "'") {
      out += "'";
      i++;
    } else {
      out += ch;
    }
  }
  return fromLatin1(out);
}
