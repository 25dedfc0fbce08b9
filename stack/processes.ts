/**
 * Background processes of the local stack. Each service started here gets a
 * pid file and a log file under the stack directory; `stop` only ever signals
 * a pid whose command line still carries the service's marker, so a recycled
 * pid or someone else's process is never touched.
 */
import { spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import { sleep } from '../lib/retry.ts';

export interface ManagedProcess {
  /** Service name: names the pid and log files. */
  name: string;
  /** A string that appears in the process' command line, checked before signalling it. */
  marker: string;
  stackDir: string;
}

export const pidFile = (p: ManagedProcess): string => path.join(p.stackDir, 'run', `${p.name}.pid`);
export const logFile = (p: ManagedProcess): string => path.join(p.stackDir, 'logs', `${p.name}.log`);

function commandLineOf(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return undefined;
  }
}

/** The pid of the running process started for this service, if any. */
export function runningPid(p: ManagedProcess): number | undefined {
  let pid: number;
  try {
    pid = Number.parseInt(fs.readFileSync(pidFile(p), 'utf8'), 10);
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid)) return undefined;
  return commandLineOf(pid)?.includes(p.marker) ? pid : undefined;
}

export function startDaemon(
  p: ManagedProcess,
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): number {
  fs.mkdirSync(path.dirname(pidFile(p)), { recursive: true });
  fs.mkdirSync(path.dirname(logFile(p)), { recursive: true });
  const out = fs.openSync(logFile(p), 'a');
  fs.writeSync(out, `\n=== ${new Date().toISOString()} starting ${p.name}: ${command} ${args.join(' ')}\n`);
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    detached: true,
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  if (child.pid === undefined) throw new Error(`could not spawn ${command}`);
  child.unref();
  fs.writeFileSync(pidFile(p), String(child.pid));
  return child.pid;
}

/** SIGTERM, then SIGKILL after `graceMs`. Returns whether a process was stopped. */
export async function stopDaemon(p: ManagedProcess, graceMs = 15_000): Promise<boolean> {
  const pid = runningPid(p);
  fs.rmSync(pidFile(p), { force: true });
  if (pid === undefined) return false;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig); // the whole process group: wrappers and their children
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (commandLineOf(pid) === undefined) return true;
    await sleep(100);
  }
  signal('SIGKILL');
  await sleep(200);
  return true;
}

export function isAlive(pid: number): boolean {
  return commandLineOf(pid) !== undefined;
}

export function tailOfLog(p: ManagedProcess, lines = 15): string {
  try {
    return fs.readFileSync(logFile(p), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** True when something accepts TCP connections on host:port. */
export function portOpen(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
