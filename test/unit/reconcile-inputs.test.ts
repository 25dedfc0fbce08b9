import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readProduceRuns } from '../../ingest/producer/run-log.ts';
import { formatChecks, readInjections } from '../../reconcile/index.ts';
import { countFileLines } from '../../reconcile/produce-runs.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reconcile-inputs-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
};

describe('countFileLines', () => {
  it.each([
    ['', 0],
    ['a', 1],
    ['a\n', 1],
    ['a\nb', 2],
    ['a\n\nb\n', 3],
    ['\n', 1],
    ['x\r\ny\r\n', 2],
  ])('counts %j as %i lines, as the producer reads them', (text, lines) => {
    expect(countFileLines(write('lines.dat', text))).toBe(lines);
  });

  it('counts across read chunks of a large file', () => {
    const text = 'x'.repeat(700_000) + '\n' + 'y\n'.repeat(400_000) + 'z';
    expect(countFileLines(write('large.dat', text))).toBe(1 + 400_000 + 1);
  });
});

describe('readProduceRuns', () => {
  const run = { kind: 'clicks', file: 'f.dat', topic: 't', deadLetterTopic: 'd', read: 3, produced: 2, deadLettered: 1, injected: 0, injectedSessions: 0, skipped: 0, stoppedEarly: false, wholeFile: true, finishedAt: 'x' };

  it('reads one run per line, skipping blank lines', () => {
    const file = write('runs.jsonl', `${JSON.stringify(run)}\n\n${JSON.stringify({ ...run, read: 5 })}\n`);
    expect(readProduceRuns(file).map((r) => r.read)).toEqual([3, 5]);
  });

  it('names the file, the line and the field of a bad entry', () => {
    const file = write('bad.jsonl', `${JSON.stringify(run)}\n${JSON.stringify({ ...run, produced: 'many' })}\n`);
    expect(() => readProduceRuns(file)).toThrow(`${file}:2:produced: must be an integer`);
    const notJson = write('not-json.jsonl', '{"read":\n');
    expect(() => readProduceRuns(notJson)).toThrow(new RegExp(`^${notJson}:1: not JSON`));
  });
});

describe('readInjections', () => {
  it('names the line that is not JSON', () => {
    const file = write('injections.jsonl', '{"session_id":1}\nnope\n');
    expect(() => readInjections(file)).toThrow(`${file}:2: not JSON`);
  });
});

describe('formatChecks', () => {
  it('marks each check and sums up the disagreements', () => {
    const text = formatChecks([
      { check: 'a', expected: 1, actual: 1 },
      { check: 'bbb', expected: 2, actual: 3 },
    ]);
    expect(text.split('\n')).toEqual(['ok        a    expected 1  got 1', 'MISMATCH  bbb  expected 2  got 3', '1 of 2 checks disagree', '']);
  });
});
