/** JSON Lines files (the producer's run and injection logs): one value a line, blank lines skipped. */
import fs from 'node:fs';
import { InputError } from './errors.ts';

export interface JsonLine {
  value: unknown;
  /** 1-based line number in the file. */
  line: number;
}

export function readJsonLines(file: string): JsonLine[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((text, index) => ({ text, line: index + 1 }))
    .filter(({ text }) => text.trim().length > 0)
    .map(({ text, line }) => {
      try {
        return { value: JSON.parse(text) as unknown, line };
      } catch (error) {
        throw new InputError(`not JSON: ${(error as Error).message}`, { source: file, line });
      }
    });
}

export function appendJsonLine(file: string, value: unknown): void {
  fs.appendFileSync(file, `${JSON.stringify(value)}\n`);
}
