/** How the streaming line reader splits files: the cases a real export throws at it. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readLineBatches, readLines, splitLineBatches, type NumberedLine } from '../../ingest/parse/index.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'read-lines-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileCounter = 0;
function file(content: string | Buffer): string {
  const filePath = path.join(dir, `f${fileCounter++}.dat`);
  writeFileSync(filePath, content);
  return filePath;
}

async function collect(filePath: string, chunkSize?: number): Promise<NumberedLine[]> {
  const lines: NumberedLine[] = [];
  for await (const line of readLines(filePath, { chunkSize })) lines.push(line);
  return lines;
}

const texts = (lines: NumberedLine[]): string[] => lines.map((l) => l.line);

describe('readLines', () => {
  it('numbers lines from 1 and drops the final newline', async () => {
    expect(await collect(file('a,1\nb,2\nc,3\n'))).toEqual([
      { line: 'a,1', lineNumber: 1 },
      { line: 'b,2', lineNumber: 2 },
      { line: 'c,3', lineNumber: 3 },
    ]);
  });

  it('keeps the last line when the file does not end with a newline', async () => {
    expect(texts(await collect(file('a\nb')))).toEqual(['a', 'b']);
  });

  it('reads CRLF files like LF files', async () => {
    expect(texts(await collect(file('a\r\nb\r\nc\r\n')))).toEqual(['a', 'b', 'c']);
    expect(texts(await collect(file('a\r\nb')))).toEqual(['a', 'b']);
  });

  it('keeps empty lines in the middle (so the parser can report them) and counts them', async () => {
    expect(await collect(file('a\n\nb\n'))).toEqual([
      { line: 'a', lineNumber: 1 },
      { line: '', lineNumber: 2 },
      { line: 'b', lineNumber: 3 },
    ]);
  });

  it('yields nothing for an empty file, one empty line for a lone newline', async () => {
    expect(await collect(file(''))).toEqual([]);
    expect(await collect(file('\n'))).toEqual([{ line: '', lineNumber: 1 }]);
  });

  it('drops a UTF-8 byte-order mark', async () => {
    expect(texts(await collect(file('\uFEFFa\nb\n')))).toEqual(['a', 'b']);
  });

  it('splits correctly at every chunk boundary, multi-byte characters and CRLF included', async () => {
    const lines = Array.from({ length: 50 }, (_, i) => `${i},2014-04-01T00:00:00.000Z,€${'ü'.repeat(i % 5)},0`);
    const filePath = file(`${lines.join('\r\n')}\r\n`);
    for (const chunkSize of [1, 2, 3, 5, 7, 64]) {
      const read = await collect(filePath, chunkSize);
      expect(texts(read)).toEqual(lines);
      expect(read.map((l) => l.lineNumber)).toEqual(lines.map((_, i) => i + 1));
    }
  });

  it('stops reading when the consumer breaks out early', async () => {
    const filePath = file(Array.from({ length: 10_000 }, (_, i) => String(i)).join('\n'));
    let seen = 0;
    for await (const { lineNumber } of readLines(filePath, { chunkSize: 1024 })) {
      seen = lineNumber;
      if (lineNumber === 3) break;
    }
    expect(seen).toBe(3);
  });

  it('fails with the path when the file does not exist', async () => {
    await expect(collect(path.join(dir, 'missing.dat'))).rejects.toThrow(/missing\.dat/);
  });
});

describe('readLineBatches', () => {
  it('yields batches whose numbering continues across chunks', async () => {
    const lines = Array.from({ length: 1000 }, (_, i) => `line ${i + 1}`);
    const batches = [];
    for await (const batch of readLineBatches(file(`${lines.join('\n')}\n`), { chunkSize: 100 })) batches.push(batch);
    expect(batches.length).toBeGreaterThan(10);
    for (const { lines: batch, firstLineNumber } of batches) {
      batch.forEach((line, i) => expect(line).toBe(`line ${firstLineNumber + i}`));
    }
    expect(batches.flatMap((b) => b.lines)).toEqual(lines);
  });

  it('splits any async source of text chunks', async () => {
    async function* chunks(): AsyncGenerator<string> {
      yield 'a\nb';
      yield 'c\r';
      yield '\nd';
    }
    const batches = [];
    for await (const batch of splitLineBatches(chunks())) batches.push(batch);
    expect(batches).toEqual([
      { lines: ['a'], firstLineNumber: 1 },
      { lines: ['bc'], firstLineNumber: 2 },
      { lines: ['d'], firstLineNumber: 3 },
    ]);
  });
});
