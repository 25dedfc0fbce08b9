/**
 * Fault drill for the producer: the broker is stopped and started again in
 * the middle of a replay; the producer retries, and the topic ends up with
 * every row exactly once.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createValueDecoder } from '../../lib/avro-codec.ts';
import { createKafka } from '../../lib/clients/kafka.ts';
import { createRegistry } from '../../lib/clients/registry.ts';
import { createLogger } from '../../lib/logger.ts';
import { sleep } from '../../lib/retry.ts';
import { generateDataset } from '../../ingest/generator/generate-dataset.ts';
import { RESERVED_SESSION_ID_BASE } from '../../ingest/generator/session-ids.ts';
import { connectProducer, produceFile } from '../../ingest/producer/produce-file.ts';
import { clickEventSchema } from '../../schemas/index.ts';
import { stopDaemon } from '../../stack/processes.ts';
import { kafkaService } from '../../stack/services/kafka.ts';
import { ensureArtifacts } from '../../stack/artifacts.ts';
import { config, readWholeTopic, uniqueName } from '../helpers.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'broker-restart-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('broker restart mid-run', () => {
  it('loses and doubles nothing', async () => {
    await generateDataset({ outDir: dir, sessions: 20_000, from: '2014-04-01', to: '2014-04-01', seed: 11 });
    const file = path.join(dir, 'yoochoose-clicks.dat');
    const kafka = createKafka(config, 'broker-restart-test');
    const topic = uniqueName('test-restart');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    await admin.disconnect();

    const producer = await connectProducer(kafka, config.kafka.brokers);
    // One day of event time at 5,000× takes about 17 s: long enough to restart the broker in the middle.
    const run = produceFile(
      { producer, registry: createRegistry(config), logger: createLogger('restart-test') },
      { kind: 'clicks', csvPath: file, topic, replaySpeed: 5000, injectedSessionIdBase: RESERVED_SESSION_ID_BASE, batchSize: 500 },
    );
    await sleep(4000);
    expect(await stopDaemon(kafkaService.process!(config))).toBe(true);
    await sleep(3000);
    await kafkaService.start({ config, artifacts: () => ensureArtifacts(config.cacheDir) });
    const summary = await run;
    await producer.disconnect();

    const expected = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => {
      const [s, t, i, c] = l.split(',');
      return `${s}|${Date.parse(t!)}|${i}|${c}`;
    });
    expect(summary.produced).toBe(expected.length);
    const decode = createValueDecoder(createRegistry(config), clickEventSchema);
    const got = await Promise.all(
      (await readWholeTopic(kafka, topic, 120_000)).map(async ({ message }) => {
        const c = await decode(message.value!);
        return `${c.session_id}|${c.timestamp}|${c.item_id}|${c.category}`;
      }),
    );
    expect(got.length).toBe(expected.length);
    expect(got.sort()).toEqual(expected.sort());
  });
});
