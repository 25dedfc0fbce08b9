/**
 * S3Proxy with its filesystem (nio2) backend: an S3 API on a local folder. The
 * data-lake bucket is created on start.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CreateBucketCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import type { Config } from '../../lib/config.ts';
import { createS3 } from '../../lib/clients/s3.ts';
import { VERSIONS } from '../artifacts.ts';
import type { ManagedProcess } from '../processes.ts';
import { hostPort, httpGet, LOOPBACK, startAndWait, type Probe, type Service } from '../service.ts';

const processOf = (config: Config): ManagedProcess => ({ name: 's3', marker: 's3proxy', stackDir: config.stackDir });
const dataDir = (config: Config) => path.join(config.stackDir, 's3');

async function probe(config: Config): Promise<Probe> {
  const response = await httpGet(config.s3.endpoint);
  // S3Proxy answers an unsigned request with 403: it is up.
  return response ? { up: true, version: VERSIONS.s3proxy } : { up: false, detail: 'no answer' };
}

export const s3Service: Service = {
  name: 's3',
  address: (config) => config.s3.endpoint,
  isLocal: (config) => LOOPBACK.has(new URL(config.s3.endpoint).hostname),
  process: processOf,
  dataDirs: (config) => [dataDir(config)],
  probe,
  async start(ctx) {
    const { config } = ctx;
    const { host, port } = hostPort(config.s3.endpoint);
    await startAndWait('s3', {
      process: processOf(config),
      host,
      port,
      probe: () => probe(config),
      command: async () => {
        const { s3proxyJar } = await ctx.artifacts();
        const blobs = path.join(dataDir(config), 'blobs');
        fs.mkdirSync(blobs, { recursive: true });
        const props = path.join(dataDir(config), 's3proxy.properties');
        fs.writeFileSync(
          props,
          [
            `s3proxy.endpoint=http://${host}:${port}`,
            's3proxy.authorization=aws-v2-or-v4',
            `s3proxy.identity=${config.s3.accessKeyId}`,
            `s3proxy.credential=${config.s3.secretAccessKey}`,
            // filesystem-nio2, unlike jclouds' filesystem provider, does not list folders as keys ending in '/'.
            'jclouds.provider=filesystem-nio2',
            `jclouds.identity=${config.s3.accessKeyId}`,
            `jclouds.credential=${config.s3.secretAccessKey}`,
            `jclouds.filesystem.basedir=${blobs}`,
            '',
          ].join('\n'),
          { mode: 0o600 },
        );
        return { command: 'java', args: ['-Xms32m', '-Xmx256m', '-XX:+UseSerialGC', '-jar', s3proxyJar, '--properties', props] };
      },
    });
  },
  async prepare(config) {
    const s3 = createS3(config);
    try {
      await s3.send(new HeadBucketCommand({ Bucket: config.s3.bucket }));
    } catch {
      await s3.send(new CreateBucketCommand({ Bucket: config.s3.bucket }));
    } finally {
      s3.destroy();
    }
  },
};
