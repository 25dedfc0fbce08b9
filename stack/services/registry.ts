/**
 * Apicurio Registry (Quarkus fast-jar from Maven Central) with its
 * Confluent-compatible API at /apis/ccompat/v7. Storage is an H2 file in the
 * stack directory, so schema ids survive restarts — messages already on the
 * topics carry those ids.
 */
import path from 'node:path';
import type { Config } from '../../lib/config.ts';
import type { ManagedProcess } from '../processes.ts';
import { hostPort, httpGet, LOOPBACK, startAndWait, type Probe, type Service } from '../service.ts';

const processOf = (config: Config): ManagedProcess => ({ name: 'registry', marker: 'apicurio-registry-app', stackDir: config.stackDir });
const dataDir = (config: Config) => path.join(config.stackDir, 'registry');
const origin = (config: Config) => new URL(config.schemaRegistry.url).origin;

async function probe(config: Config): Promise<Probe> {
  const ready = await httpGet(`${origin(config)}/health/ready`);
  if (!ready?.ok) return { up: false, detail: ready ? `health ${ready.status}` : 'no answer' };
  const ccompat = await httpGet(`${config.schemaRegistry.url}/subjects`);
  if (!ccompat?.ok) return { up: false, detail: 'ccompat API not answering' };
  const info = await httpGet(`${origin(config)}/apis/registry/v3/system/info`);
  const version = info?.ok ? ((await info.json()) as { version?: string }).version : undefined;
  return { up: true, version };
}

export const registryService: Service = {
  name: 'schema-registry',
  address: (config) => config.schemaRegistry.url,
  isLocal: (config) => LOOPBACK.has(new URL(config.schemaRegistry.url).hostname),
  process: processOf,
  dataDirs: (config) => [dataDir(config)],
  probe,
  async start(ctx) {
    const { config } = ctx;
    const { host, port } = hostPort(config.schemaRegistry.url);
    await startAndWait('schema-registry', {
      process: processOf(config),
      host,
      port,
      probe: () => probe(config),
      command: async () => {
        const { apicurioJar } = await ctx.artifacts();
        return {
          command: 'java',
          cwd: path.dirname(apicurioJar),
          args: [
            '-Xms64m', '-Xmx384m', '-XX:+UseSerialGC',
            `-Dquarkus.http.host=${host}`,
            `-Dquarkus.http.port=${port}`,
            `-Dapicurio.datasource.url=jdbc:h2:file:${path.join(dataDir(config), 'registry')};DB_CLOSE_ON_EXIT=FALSE`,
            '-jar', apicurioJar,
          ],
        };
      },
    });
  },
};
