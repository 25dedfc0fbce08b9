/**
 * `guardian generate`: writes a synthetic YOOCHOOSE data set (see
 * `generate-dataset.ts`). A progress bar on a terminal, a log line every few
 * seconds otherwise, and one summary line on stdout at the end.
 */
import path from 'node:path';
import { createProgress, type Progress } from '../../lib/progress.ts';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { createLogger, type Logger } from '../../lib/logger.ts';
import { generateDataset, type DatasetSummary, type GenerateProgress } from './generate-dataset.ts';
import { MAX_CLICKS, MAX_SESSIONS, parseDay, parseDayRange, parsePositiveInteger, parseSeed } from './options.ts';

/** Defaults of the `generate` options. */
export const GENERATE_DEFAULTS = {
  out: 'data/generated',
  clicks: 1_000_000,
  from: '2014-04-01',
  to: '2014-04-07',
  seed: 42,
} as const;


export interface GenerateCommandDependencies {
  logger?: Logger;
  /** Where the summary line goes. @default process.stdout */
  stdout?: NodeJS.WritableStream;
  /** Whether to draw a progress bar. @default process.stderr.isTTY */
  interactive?: boolean;
}

interface GenerateCommandOptions {
  out: string;
  sessions?: number;
  clicks?: number;
  from: string;
  to: string;
  seed: number;
}

/** Adapts a validator of `options.ts` to commander, which then names the option in its message. */
function argument<T>(option: string, parse: (option: string, text: string) => T): (text: string) => T {
  return (text) => {
    try {
      return parse(option, text);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  };
}

export function registerGenerateCommand(program: Command, dependencies: GenerateCommandDependencies = {}): Command {
  return program
    .command('generate')
    .description('write a synthetic YOOCHOOSE data set (yoochoose-clicks.dat, yoochoose-buys.dat), seeded and deterministic')
    .option('--out <dir>', 'directory to write into', GENERATE_DEFAULTS.out)
    .addOption(
      new Option('--sessions <n>', 'number of sessions')
        .argParser(argument('--sessions', (option, text) => parsePositiveInteger(option, text, MAX_SESSIONS)))
        .conflicts('clicks'),
    )
    .addOption(
      new Option('--clicks <n>', `approximate number of click rows (default ${GENERATE_DEFAULTS.clicks} when --sessions is not given)`)
        .argParser(argument('--clicks', (option, text) => parsePositiveInteger(option, text, MAX_CLICKS))),
    )
    .option('--from <YYYY-MM-DD>', 'first day (UTC)', argument('--from', checkDay), GENERATE_DEFAULTS.from)
    .option('--to <YYYY-MM-DD>', 'last day (UTC), inclusive', argument('--to', checkDay), GENERATE_DEFAULTS.to)
    .option('--seed <n>', 'random seed (same seed, same files)', argument('--seed', parseSeed), GENERATE_DEFAULTS.seed)
    .action(async (options: GenerateCommandOptions) => {
      await runGenerate(options, dependencies);
    });
}

function checkDay(option: string, text: string): string {
  parseDay(option, text);
  return text;
}

async function runGenerate(options: GenerateCommandOptions, dependencies: GenerateCommandDependencies): Promise<DatasetSummary> {
  parseDayRange(options.from, options.to, { from: '--from', to: '--to' }); // before anything is logged or written
  const logger = dependencies.logger ?? createLogger('generator');
  const stdout = dependencies.stdout ?? process.stdout;
  const interactive = dependencies.interactive ?? process.stderr.isTTY === true;
  const outDir = path.resolve(options.out);
  const size = options.sessions !== undefined ? { sessions: options.sessions } : { clicks: options.clicks ?? GENERATE_DEFAULTS.clicks };
  const started = performance.now();
  logger.info({ outDir, ...size, from: options.from, to: options.to, seed: options.seed }, 'generating data set');

  let progress: Progress | undefined;
  const onProgress = (p: GenerateProgress) => {
    progress ??= createProgress({ label: 'generate', total: p.sessionsTotal, unit: 'sessions', logger, interactive });
    progress.update(p.sessionsDone, { clicks: p.clicks, day: p.day });
  };
  let summary: DatasetSummary;
  try {
    summary = await generateDataset({ outDir, ...size, from: options.from, to: options.to, seed: options.seed, onProgress });
  } finally {
    progress?.stop();
  }

  const seconds = (performance.now() - started) / 1000;
  const rows = summary.clicks + summary.buys;
  logger.info({ ...summary, days: summary.days.length, seconds: Number(seconds.toFixed(2)) }, 'data set written');
  stdout.write(`${summaryLine(summary, outDir, seconds, rows)}\n`);
  return summary;
}

export function summaryLine(summary: DatasetSummary, outDir: string, seconds: number, rows = summary.clicks + summary.buys): string {
  const n = (value: number): string => value.toLocaleString('en-US');
  const share = summary.sessions > 0 ? ((summary.buyingSessions / summary.sessions) * 100).toFixed(2) : '0.00';
  const perSession = summary.sessions > 0 ? (summary.clicks / summary.sessions).toFixed(2) : '0';
  const rate = seconds > 0 ? ` (${Math.round(rows / seconds / 1000)}k rows/s)` : '';
  return (
    `generated ${n(summary.clicks)} clicks and ${n(summary.buys)} buys in ${n(summary.sessions)} sessions ` +
    `(${perSession} clicks/session, ${n(summary.buyingSessions)} buying = ${share}%), ${n(summary.items)} items, ` +
    `${summary.from}..${summary.to} (${summary.days.length} days), seed ${summary.seed}, into ${outDir} ` +
    `in ${seconds.toFixed(1)} s${rate}`
  );
}
