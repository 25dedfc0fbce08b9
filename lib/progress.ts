/**
 * Progress of long work: a cli-progress bar on a terminal, otherwise one
 * structured log line every few seconds with the rate, so CI logs and
 * journald get a readable trace too.
 */
import cliProgress from 'cli-progress';
import type { Logger } from './logger.ts';

export interface Progress {
  /** Sets the absolute amount done, with extra figures for the line. */
  update(done: number, figures?: Record<string, number | string>): void;
  stop(): void;
}

export function createProgress(options: {
  label: string;
  total: number;
  unit: string;
  logger: Logger;
  intervalMs?: number;
  /** Draw a bar. @default process.stderr.isTTY */
  interactive?: boolean;
}): Progress {
  const started = performance.now();
  const rate = (done: number) => Math.round(done / Math.max((performance.now() - started) / 1000, 1e-3));
  if (options.interactive ?? process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${options.label} [{bar}] {percentage}% | {value}/{total} ${options.unit} | {rate}/s {extra}`,
        stream: process.stderr,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(options.total, 0, { rate: 0, extra: '' });
    return {
      update(done, figures = {}) {
        const extra = Object.entries(figures).map(([k, v]) => `${k}=${v}`).join(' ');
        bar.update(Math.min(done, options.total), { rate: rate(done), extra });
      },
      stop: () => bar.stop(),
    };
  }
  let lastLog = started;
  return {
    update(done, figures = {}) {
      const now = performance.now();
      if (now - lastLog < (options.intervalMs ?? 5000)) return;
      lastLog = now;
      options.logger.info({ done, total: options.total, unit: options.unit, perSecond: rate(done), ...figures }, options.label);
    },
    stop() {},
  };
}
