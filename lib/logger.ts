/**
 * Structured logging (pino). Each module logs under its own namespace
 * (`createLogger('detector')`), as kafkajs does; on a terminal the lines are
 * pretty-printed, elsewhere they are JSON.
 */
import { pino, type Logger } from 'pino';

const level = process.env.LOG_LEVEL ?? 'info';

const root: Logger = pino({
  level,
  base: undefined,
  ...(process.stderr.isTTY
    ? { transport: { target: 'pino-pretty', options: { destination: 2, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss' } } }
    : {}),
}, process.stderr.isTTY ? undefined : pino.destination(2));

export type { Logger };

export function createLogger(namespace: string): Logger {
  return root.child({ ns: namespace });
}
