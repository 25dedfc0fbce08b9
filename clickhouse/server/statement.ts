/**
 * What one HTTP request's SQL is, found the way ClickHouse's HTTP handler
 * sees it (URL `query` + "\n" + body, read as one stream). Guarantees:
 * exactly one statement (a second one is refused as ClickHouse refuses
 * multi-statements; a trailing `;` is fine); for `INSERT … FORMAT <name>` the
 * data starts where ClickHouse's parser starts it (after the name, blanks and
 * at most one newline) and is never lexed; the output `FORMAT` clause, if
 * present, is reported; `INTO OUTFILE` / `FROM INFILE`, which would reach the
 * server's file system, are refused as on a real server.
 */
import { ClickHouseHttpError } from './clickhouse-errors.ts';
import { fromLatin1, identifierOf, isSignificant, latin1View, stringLiteralValue, tokenize, type Token } from './sql-lexer.ts';

export type InsertSettingValue = string | number | boolean;

/** `INSERT INTO [db.]table [(c1, c2)] [SETTINGS k = v, …] FORMAT name`, with plain identifiers only. */
export interface SimpleInsertTarget {
  table: string;
  columns?: string[];
  settings: Record<string, InsertSettingValue>;
}

export interface InsertWithData {
  format: string;
  /** Byte offset, in the full request text, where the data begins. */
  dataOffset: number;
  /** String index in `sql` where `FROM INFILE '<file>'` can be spliced in, when the shape allows it. */
  infileAt?: number;
  /** Present when the prefix has the simple shape chDB's raw insert accepts. */
  simple?: SimpleInsertTarget;
}

export interface AnalyzedStatement {
  /** First keyword, upper-cased (SELECT, INSERT, CREATE, SET, …); `(`-led queries count as SELECT. */
  kind: string;
  /** The statement's SQL (UTF-8, no trailing `;`); for an INSERT with data, the prefix through the format name. */
  sql: string;
  /** The statement's own `FORMAT` clause (output format), if any. */
  outputFormat?: string;
  /** The statement changes connection state beyond itself (SET, USE, temporary tables). */
  changesSessionState: boolean;
  /** Set for `INSERT … FORMAT <name>`: the rest of the request is data. */
  insertData?: InsertWithData;
}

interface Sig {
  token: Token;
  /** Bracket depth before this token. */
  depth: number;
  /** Upper-cased text for words, the character for punctuation. */
  text: string;
}

const syntaxError = (message: string): ClickHouseHttpError => new ClickHouseHttpError('SYNTAX_ERROR', message);

function excerpt(s: string, from: number): string {
  return fromLatin1(s.slice(from, from + 60)).replace(/\s+/g, ' ');
}

function toSig(s: string, token: Token, depth: number): Sig {
  const raw = s.slice(token.start, token.end);
  return { token, depth, text: token.type === 'word' ? raw.toUpperCase() : raw };
}

function settingValue(s: string, tokens: Sig[], at: number): { value: InsertSettingValue; next: number } | undefined {
  let negative = false;
  let i = at;
  if (tokens[i]?.text === '-') {
    negative = true;
    i++;
  }
  const t = tokens[i];
  if (!t) return undefined;
  if (t.token.type === 'number') {
    const n = Number((negative ? '-' : '') + t.text);
    return { value: Number.isFinite(n) && Math.abs(n) <= Number.MAX_SAFE_INTEGER ? n : (negative ? '-' : '') + t.text, next: i + 1 };
  }
  if (negative) return undefined;
  if (t.token.type === 'string') return { value: stringLiteralValue(s, t.token), next: i + 1 };
  if (t.token.type === 'word') {
    if (t.text === 'TRUE' || t.text === 'FALSE') return { value: t.text === 'TRUE', next: i + 1 };
    return { value: fromLatin1(s.slice(t.token.start, t.token.end)), next: i + 1 };
  }
  return undefined;
}

const PLAIN_NAME = /^[A-Za-z0-9_]+$/;

/** Recognises the simple INSERT shape in the tokens before FORMAT (exclusive). */
function simpleInsertTarget(s: string, tokens: Sig[]): SimpleInsertTarget | undefined {
  let i = 2; // INSERT INTO
  if (tokens[1]?.text !== 'INTO') return undefined;
  if (tokens[i]?.text === 'TABLE') i++;
  const name = (t: Sig | undefined): string | undefined => {
    if (!t) return undefined;
    const id = identifierOf(s, t.token);
    return id !== undefined && PLAIN_NAME.test(id) ? id : undefined;
  };
  let table = name(tokens[i]);
  if (table === undefined || ['FUNCTION', 'SETTINGS', 'FORMAT'].includes(tokens[i]!.text)) return undefined;
  i++;
  if (tokens[i]?.text === '.') {
    const second = name(tokens[i + 1]);
    if (second === undefined) return undefined;
    table = `${table}.${second}`;
    i += 2;
  }
  let columns: string[] | undefined;
  if (tokens[i]?.text === '(') {
    columns = [];
    i++;
    for (;;) {
      const column = name(tokens[i]);
      if (column === undefined) return undefined;
      columns.push(column);
      i++;
      if (tokens[i]?.text === ',') {
        i++;
        continue;
      }
      if (tokens[i]?.text === ')') {
        i++;
        break;
      }
      return undefined;
    }
  }
  const settings: Record<string, InsertSettingValue> = {};
  if (tokens[i]?.text === 'SETTINGS') {
    i++;
    for (;;) {
      const key = tokens[i]?.token.type === 'word' ? s.slice(tokens[i]!.token.start, tokens[i]!.token.end) : undefined;
      if (key === undefined || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) || tokens[i + 1]?.text !== '=') return undefined;
      const parsed = settingValue(s, tokens, i + 2);
      if (!parsed) return undefined;
      settings[key] = parsed.value;
      i = parsed.next;
      if (tokens[i]?.text === ',') {
        i++;
        continue;
      }
      break;
    }
  }
  return i === tokens.length ? { table, columns, settings } : undefined;
}

/** Analyses the full request text (URL query, "\n", body) as ClickHouse's HTTP handler would parse it. */
export function analyzeStatement(full: Buffer): AnalyzedStatement {
  const s = latin1View(full);
  const sig: Sig[] = [];
  let depth = 0;
  let statementEnd: number | undefined;
  let kind: string | undefined;
  const tokens = tokenize(s);

  for (const token of tokens) {
    if (!isSignificant(token)) continue;
    const here = toSig(s, token, depth);
    if (statementEnd !== undefined) {
      if (here.text === ';') continue;
      throw syntaxError(
        `Syntax error (Multi-statements are not allowed): failed at position ${statementEnd + 1} (end of query): ${excerpt(s, statementEnd)}`,
      );
    }
    if (token.type === 'punctuation') {
      if ('([{'.includes(here.text)) depth++;
      else if (')]}'.includes(here.text)) depth = Math.max(0, depth - 1);
      else if (here.text === ';' && depth === 0) {
        statementEnd = token.start;
        continue;
      }
    }
    sig.push(here);
    kind ??= here.text === '(' ? 'SELECT' : here.text;

    if (kind !== 'INSERT' || here.depth !== 0 || token.type !== 'word') continue;
    // INSERT: VALUES / SELECT / WITH make it a plain statement; FORMAT <name> starts the data.
    if (here.text === 'FORMAT') {
      const insertSig = sig.slice(0, -1);
      if (insertSig.some((t) => t.depth === 0 && ['VALUES', 'SELECT', 'WITH'].includes(t.text))) continue;
      let nameToken: Token | undefined;
      for (const next of tokens) {
        if (isSignificant(next)) {
          nameToken = next;
          break;
        }
      }
      const format = nameToken ? identifierOf(s, nameToken) : undefined;
      if (!nameToken || format === undefined) throw syntaxError(`Syntax error: expected a format name after FORMAT at position ${token.end + 1}`);
      let data = nameToken.end;
      if (s[data] === ';') {
        throw syntaxError(
          "You have excessive ';' symbol before data for INSERT. Note that there is no ';' just after format name, you need to put at least one whitespace symbol before the data",
        );
      }
      while (data < s.length && (s[data] === ' ' || s[data] === '\t' || s[data] === '\f')) data++;
      if (s[data] === '\r') data++;
      if (s[data] === '\n') data++;
      const clause = insertSig.find((t) => t.depth === 0 && (t.text === 'SETTINGS' || t.text === 'FORMAT')) ?? here;
      const fromIdx = insertSig.findIndex((t, i) => t.depth === 0 && t.text === 'FROM' && insertSig[i + 1]?.text === 'INFILE');
      if (fromIdx !== -1) throw new ClickHouseHttpError('SUPPORT_IS_DISABLED', 'FROM INFILE is not allowed over the HTTP interface');
      return {
        kind,
        sql: fromLatin1(s.slice(0, nameToken.end)),
        changesSessionState: false,
        insertData: {
          format,
          dataOffset: data,
          infileAt: fromLatin1(s.slice(0, clause.token.start)).length,
          simple: simpleInsertTarget(s, insertSig),
        },
      };
    }
  }

  if (kind === undefined) throw syntaxError('Empty query');
  const end = statementEnd ?? s.length;
  let outputFormat: string | undefined;
  for (let i = 0; i < sig.length; i++) {
    const t = sig[i]!;
    if (t.depth !== 0 || t.token.type !== 'word') continue;
    const next = sig[i + 1];
    if (t.text === 'INTO' && next?.text === 'OUTFILE') {
      throw new ClickHouseHttpError('INTO_OUTFILE_NOT_ALLOWED', 'INTO OUTFILE is not allowed');
    }
    if (t.text === 'FROM' && next?.text === 'INFILE') {
      throw new ClickHouseHttpError('SUPPORT_IS_DISABLED', 'FROM INFILE is not allowed over the HTTP interface');
    }
    if (t.text === 'FORMAT' && next && (next.token.type === 'word' || next.token.type === 'quoted_identifier')) {
      const after = sig[i + 2];
      if (after === undefined || after.text === 'SETTINGS') outputFormat = identifierOf(s, next.token);
    }
  }
  const second = sig[1]?.text;
  return {
    kind,
    sql: fromLatin1(s.slice(0, end)).trimEnd(),
    outputFormat,
    changesSessionState: kind === 'SET' || kind === 'USE' || ((kind === 'CREATE' || kind === 'DROP') && second === 'TEMPORARY'),
  };
}

/** The `{name:Type}` placeholders of a query, first declaration of each name wins. */
export function placeholderTypes(sql: string): Map<string, string> {
  const types = new Map<string, string>();
  for (const match of sql.matchAll(/\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*([^{}]+?)\s*\}/g)) {
    if (!types.has(match[1]!)) types.set(match[1]!, match[2]!);
  }
  return types;
}
