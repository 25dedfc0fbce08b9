/**
 * The producer's run log: one JSON line per `guardian produce` run (or demo
 * replay), appended when the run ends, so that `guardian reconcile` can check
 * rows read = produced + dead-lettered against what the topics hold.
 */
import { InputError } from '../../lib/errors.ts';
import { appendJsonLine, readJsonLines } from '../../lib/json-lines.ts';
import type { ProduceSummary } from './produce-file.ts';

export interface ProduceRun extends Omit<ProduceSummary, 'seconds' | 'eventsPerSecond'> {
  finishedAt: string;
}

export function appendProduceRun(file: string, summary: ProduceSummary): void {
  const { seconds: _seconds, eventsPerSecond: _rate, ...counts } = summary;
  const run: ProduceRun = { ...counts, finishedAt: new Date().toISOString() };
  appendJsonLine(file, run);
}

const NUMBER_FIELDS = ['read', 'produced', 'deadLettered', 'injected', 'skipped'] as const;

export function readProduceRuns(file: string): ProduceRun[] {
  return readJsonLines(file).map(({ value, line }) => {
    const run = value as Partial<ProduceRun>;
    for (const field of NUMBER_FIELDS) {
      if (!Number.isSafeInteger(run[field])) throw new InputError('must be an integer', { source: file, line, field });
    }
    for (const field of ['topic', 'deadLetterTopic', 'file'] as const) {
      if (typeof run[field] !== 'string') throw new InputError('must be a string', { source: file, line, field });
    }
    return run as ProduceRun;
  });
}
