/**
 * Apache Kafka, single node in KRaft mode (broker + controller in one JVM),
 * from the Maven Central jars. Storage is formatted on first start; topics of
 * SPEC §2 are created idempotently.
 */
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../../lib/config.ts';
import { PROJECT_ROOT } from '../../lib/config.ts';
import { createKafka } from '../../lib/clients/kafka.ts';
import { TOPIC_PARTITIONS } from '../../lib/topics.ts';
import { VERSIONS } from '../artifacts.ts';
import type { ManagedProcess } from '../processes.ts';
import { hostPort, LOOPBACK, startAndWait, type Probe, type Service } from '../service.ts';

const run = promisify(execFile);

const processOf = (config: Config): ManagedProcess => ({ name: 'kafka', marker: 'kafka.Kafka', stackDir: config.stackDir });
const dataDir = (config: Config) => path.join(config.stackDir, 'kafka');
const broker = (config: Config) => hostPort(config.kafka.brokers[0]!);

function serverProperties(config: Config): string {
  const { host, port } = broker(config);
  const controllerPort = port + 1;
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@${host}:${controllerPort}`,
    `listeners=PLAINTEXT://${host}:${port},CONTROLLER://${host}:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://${host}:${port}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${path.join(dataDir(config), 'data')}`,
    'num.partitions=3',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=10',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=true',
    'log.retention.hours=-1',
    '',
  ].join('\n');
}

async function probe(config: Config): Promise<Probe> {
  const admin = createKafka(config, 'guardian-stack-probe', { quiet: true }).admin({ retry: { retries: 0 } });
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return { up: cluster.brokers.length > 0, version: VERSIONS.kafka, detail: `${cluster.brokers.length} broker(s)` };
  } catch (error) {
    return { up: false, detail: (error as Error).message };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export const kafkaService: Service = {
  name: 'kafka',
  address: (config) => config.kafka.brokers.join(','),
  isLocal: (config) => config.kafka.brokers.every((b) => LOOPBACK.has(hostPort(b).host)),
  process: processOf,
  dataDirs: (config) => [dataDir(config)],
  probe,
  async start(ctx) {
    const { config } = ctx;
    const { host, port } = broker(config);
    await startAndWait('kafka', {
      process: processOf(config),
      host,
      port,
      probe: () => probe(config),
      command: async () => {
        const { kafkaLibs } = await ctx.artifacts();
        const classpath = path.join(kafkaLibs, '*');
        const propsFile = path.join(dataDir(config), 'server.properties');
        fs.mkdirSync(dataDir(config), { recursive: true });
        fs.writeFileSync(propsFile, serverProperties(config));
        if (!fs.existsSync(path.join(dataDir(config), 'data', 'meta.properties'))) {
          const clusterId = randomBytes(16).toString('base64url');
          await run('java', ['-cp', classpath, 'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`, '-c', propsFile]);
        }
        return {
          command: 'java',
          args: [
            '-Xms256m', '-Xmx768m', '-XX:+UseG1GC', '-Djava.awt.headless=true',
            `-Dlog4j2.configurationFile=${path.join(PROJECT_ROOT, 'stack/kafka/log4j2.properties')}`,
            '-cp', classpath, 'kafka.Kafka', propsFile,
          ],
        };
      },
    });
  },
  async prepare(config) {
    const admin = createKafka(config, 'guardian-stack').admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      // One copy on the local single broker; three (or as many as there are brokers) on a cluster,
      // whose min.insync.replicas the producers' acks from all replicas must be able to meet.
      const { brokers } = await admin.describeCluster();
      const replicationFactor = Math.min(brokers.length, 3);
      const topics = Object.entries(TOPIC_PARTITIONS)
        .filter(([topic]) => !existing.has(topic))
        .map(([topic, numPartitions]) => ({ topic, numPartitions, replicationFactor }));
      if (topics.length > 0) await admin.createTopics({ topics, waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }
  },
};
