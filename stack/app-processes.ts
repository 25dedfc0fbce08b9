/**
 * The project's own long-running services, as the demo runs them on this
 * machine: each is `guardian <command>` in the background with a pid and a
 * log file beside the stack's, so `stack down` stops them with the rest.
 */
import path from 'node:path';
import type { Config } from '../lib/config.ts';
import { PROJECT_ROOT } from '../lib/config.ts';
import { runningPid, startDaemon, type ManagedProcess } from './processes.ts';

export const APP_COMMANDS = {
  detector: ['detect'],
  'lake-sink': ['sink'],
  gateway: ['serve'],
} as const;

export type AppName = keyof typeof APP_COMMANDS;

export function appProcess(config: Config, name: AppName): ManagedProcess {
  return { name, marker: `guardian.mjs ${APP_COMMANDS[name][0]}`, stackDir: config.stackDir };
}

export const allAppProcesses = (config: Config): ManagedProcess[] =>
  (Object.keys(APP_COMMANDS) as AppName[]).map((name) => appProcess(config, name));

/**
 * Starts the app service unless it already runs; returns whether it was started now.
 * `options.args` are appended to its command line; `options.env` overrides this process' environment.
 */
export function startApp(config: Config, name: AppName, options: { args?: string[]; env?: NodeJS.ProcessEnv } = {}): boolean {
  const managed = appProcess(config, name);
  if (runningPid(managed) !== undefined) return false;
  startDaemon(managed, process.execPath, [path.join(PROJECT_ROOT, 'bin/guardian.mjs'), ...APP_COMMANDS[name], ...(options.args ?? [])], {
    cwd: PROJECT_ROOT,
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? 'info', ...options.env },
  });
  return true;
}
