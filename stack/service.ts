/**
 * What the stack knows about one service, and the one start/wait path every
 * daemon-backed service shares: refuse a port someone else holds, start the
 * process, then wait until its probe says up — or fail with one line naming
 * the service, the cause and the tail of its log.
 */
import type { Config } from '../lib/config.ts';
import { GuardianError } from '../lib/errors.ts';
import { sleep } from '../lib/retry.ts';
import type { ArtifactPaths } from './artifacts.ts';
import { isAlive, portOpen, runningPid, startDaemon, tailOfLog, type ManagedProcess } from './processes.ts';

export interface Probe {
  up: boolean;
  version?: string;
  detail?: string;
}

export interface StackContext {
  config: Config;
  artifacts: () => Promise<ArtifactPaths>;
}

export interface Service {
  name: string;
  address(config: Config): string;
  /** Whether this machine's stack runs it (false when configuration points elsewhere). */
  isLocal(config: Config): boolean;
  /** Starts it if it is not running; resolves once it is ready. */
  start(ctx: StackContext): Promise<void>;
  /** Creates what the project needs in it (topics, bucket, database); idempotent. */
  prepare?(config: Config): Promise<void>;
  probe(config: Config): Promise<Probe>;
  /** The process `stack down` stops, if the stack started one. */
  process?(config: Config): ManagedProcess;
  /** Files `stack reset` deletes. */
  dataDirs?(config: Config): string[];
  /** What else `stack reset` deletes, for a service whose data is not in the stack's files. */
  reset?(config: Config): Promise<void>;
}

export const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export function hostPort(address: string): { host: string; port: number } {
  const parsed = new URL(address.includes('://') ? address : `tcp://${address}`);
  return { host: parsed.hostname, port: Number(parsed.port) };
}

export interface DaemonSpec {
  process: ManagedProcess;
  host: string;
  port: number;
  command: () => Promise<{ command: string; args: string[]; cwd?: string; env?: NodeJS.ProcessEnv }>;
  probe: () => Promise<Probe>;
  readyTimeoutMs?: number;
}

export async function startAndWait(name: string, spec: DaemonSpec): Promise<void> {
  if (runningPid(spec.process) === undefined) {
    if (await portOpen(spec.host, spec.port)) {
      const probe = await spec.probe();
      if (probe.up) return; // already served by a process this stack did not start (e.g. a system service)
      throw new GuardianError(`${name}: port ${spec.host}:${spec.port} is taken by another process; free it or change the configured address`);
    }
    const { command, args, cwd, env } = await spec.command();
    startDaemon(spec.process, command, args, { cwd, env });
  }
  const deadline = Date.now() + (spec.readyTimeoutMs ?? 120_000);
  let last: Probe = { up: false };
  while (Date.now() < deadline) {
    last = await spec.probe().catch((error: Error) => ({ up: false, detail: error.message }));
    if (last.up) return;
    const pid = runningPid(spec.process);
    if (pid === undefined || !isAlive(pid)) {
      throw new GuardianError(`${name} exited during start-up. Last lines of its log:\n${tailOfLog(spec.process)}`);
    }
    await sleep(250);
  }
  throw new GuardianError(
    `${name} did not become ready in ${(spec.readyTimeoutMs ?? 120_000) / 1000}s (${last.detail ?? 'no answer'}). Last lines of its log:\n${tailOfLog(spec.process)}`,
  );
}

/** GET a URL with a short timeout; resolves to the response or undefined when nothing answers. */
export async function httpGet(url: string, timeoutMs = 2000): Promise<Response | undefined> {
  try {
    return await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch {
    return undefined;
  }
}
