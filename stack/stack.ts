/**
 * The local stack: `up` fetches what is missing, starts every local service
 * in parallel, waits for each to be ready and prepares it; `down` stops the
 * processes it started; `reset` also deletes their data; `status` reports.
 */
import fs from 'node:fs';
import type { Config } from '../lib/config.ts';
import { GuardianError } from '../lib/errors.ts';
import { createLogger } from '../lib/logger.ts';
import { allAppProcesses } from './app-processes.ts';
import { ensureArtifacts, type ArtifactPaths } from './artifacts.ts';
import { runningPid, stopDaemon } from './processes.ts';
import type { Probe, Service, StackContext } from './service.ts';
import { clickhouseService } from './services/clickhouse.ts';
import { kafkaService } from './services/kafka.ts';
import { postgresService } from './services/postgres.ts';
import { registryService } from './services/registry.ts';
import { s3Service } from './services/s3.ts';

const log = createLogger('stack');

export const SERVICES: readonly Service[] = [kafkaService, registryService, s3Service, postgresService, clickhouseService];

function contextFor(config: Config): StackContext {
  let artifacts: Promise<ArtifactPaths> | undefined;
  return { config, artifacts: () => (artifacts ??= ensureArtifacts(config.cacheDir)) };
}

export async function stackUp(config: Config): Promise<void> {
  const ctx = contextFor(config);
  const started = Date.now();
  const failures: string[] = [];
  await Promise.all(
    SERVICES.map(async (service) => {
      try {
        if (service.isLocal(config)) {
          const t0 = Date.now();
          await service.start(ctx);
          log.info({ service: service.name, ms: Date.now() - t0 }, `${service.name} ready`);
        } else {
          const probe = await service.probe(config);
          if (!probe.up) throw new GuardianError(`${service.name} at ${service.address(config)} is not reachable (${probe.detail ?? 'no answer'})`);
        }
        await service.prepare?.(config);
      } catch (error) {
        failures.push(`${service.name}: ${(error as Error).message}`);
      }
    }),
  );
  if (failures.length > 0) throw new GuardianError(`stack up failed:\n${failures.join('\n')}`);
  log.info({ seconds: (Date.now() - started) / 1000 }, 'stack is up');
}

export async function stackDown(config: Config): Promise<string[]> {
  const stopped: string[] = [];
  // The project's own services first, so they leave their consumer groups while Kafka is still there.
  await Promise.all(allAppProcesses(config).map(async (app) => (await stopDaemon(app)) && stopped.push(app.name)));
  await Promise.all(
    SERVICES.map(async (service) => {
      const managed = service.process?.(config);
      if (managed && (await stopDaemon(managed))) stopped.push(service.name);
    }),
  );
  return stopped;
}

export async function stackReset(config: Config): Promise<void> {
  await stackDown(config);
  for (const service of SERVICES) {
    for (const dir of service.dataDirs?.(config) ?? []) fs.rmSync(dir, { recursive: true, force: true });
    if (service.isLocal(config)) await service.reset?.(config);
  }
}

export interface ServiceStatus extends Probe {
  name: string;
  address: string;
  local: boolean;
  pid?: number;
  rssMb?: number;
}

function rssMb(pid: number): number | undefined {
  try {
    const line = fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
    return line ? Math.round(Number.parseInt(line.replace(/\D+/g, ''), 10) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

export async function stackStatus(config: Config): Promise<ServiceStatus[]> {
  return Promise.all(
    SERVICES.map(async (service) => {
      const managed = service.process?.(config);
      const pid = managed ? runningPid(managed) : undefined;
      const probe = await service.probe(config).catch((error: Error) => ({ up: false, detail: error.message }));
      return {
        name: service.name,
        address: service.address(config),
        local: service.isLocal(config),
        pid,
        rssMb: pid === undefined ? undefined : rssMb(pid),
        ...probe,
      };
    }),
  );
}

export interface AppStatus {
  name: string;
  pid?: number;
  rssMb?: number;
}

/** The pipeline processes the demo starts (detector, lake sink, gateway): not part of the stack, listed for the operator. */
export function appStatus(config: Config): AppStatus[] {
  return allAppProcesses(config).map((managed) => {
    const pid = runningPid(managed);
    return { name: managed.name, pid, rssMb: pid === undefined ? undefined : rssMb(pid) };
  });
}
