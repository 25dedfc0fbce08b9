/** `guardian generate`: argument validation names the argument; a run prints one summary line. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Command, CommanderError } from 'commander';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { DATASET_FILES, registerGenerateCommand } from '../../ingest/generator/index.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'generate-command-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function capture(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

async function run(args: string[]): Promise<{ stdout: string; error?: string }> {
  const stdout = capture();
  const stderr = capture();
  const program = new Command('guardian').exitOverride().configureOutput({ writeErr: (s) => stderr.stream.write(s), writeOut: () => {} });
  registerGenerateCommand(program, { logger: pino({ level: 'silent' }), stdout: stdout.stream, interactive: false });
  program.commands.forEach((command) => command.exitOverride());
  try {
    await program.parseAsync(['node', 'guardian', 'generate', ...args]);
    return { stdout: stdout.text() };
  } catch (error) {
    const message = error instanceof CommanderError ? stderr.text() : (error as Error).message;
    return { stdout: stdout.text(), error: message };
  }
}

describe('guardian generate', () => {
  it.each([
    [['--sessions', 'abc'], `option '--sessions <n>' argument 'abc' is invalid. --sessions must be a positive integer, got "abc"`],
    [['--clicks', '-5'], `--clicks must be a positive integer, got "-5"`],
    [['--sessions', '5', '--clicks', '7'], `option '--sessions <n>' cannot be used with option '--clicks <n>'`],
    [['--from', '2014-13-01'], `--from must be a date YYYY-MM-DD, got "2014-13-01"`],
    [['--to', 'tomorrow'], `--to must be a date YYYY-MM-DD, got "tomorrow"`],
    [['--seed', '1.5'], `--seed must be a non-negative integer below 2^53, got "1.5"`],
    [['--from', '2014-04-05', '--to', '2014-04-01'], `--to (2014-04-01) must not be before --from (2014-04-05)`],
  ])('%j is refused, naming the argument', async (args, message) => {
    const result = await run(['--out', path.join(dir, 'refused'), ...args]);
    expect(result.error).toContain(message);
    expect(result.stdout).toBe('');
  });

  it('writes the files and prints a summary line', async () => {
    const out = path.join(dir, 'run');
    const result = await run(['--out', out, '--sessions', '2_000', '--from', '2014-04-01', '--to', '2014-04-02', '--seed', '5']);
    expect(result.error).toBeUndefined();
    expect(result.stdout).toMatch(/^generated [\d,]+ clicks and [\d,]+ buys in 2,000 sessions .*2014-04-01\.\.2014-04-02 \(2 days\), seed 5, into .*run in [\d.]+ s/);
    expect(result.stdout.split('\n')).toHaveLength(2);
    const clicks = readFileSync(path.join(out, DATASET_FILES.clicks), 'utf8').trimEnd().split('\n');
    expect(result.stdout).toContain(`generated ${clicks.length.toLocaleString('en-US')} clicks`);
  });
});
