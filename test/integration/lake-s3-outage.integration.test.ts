/**
 * S3 outage drill for the lake sink: S3Proxy is stopped while events
 * stream in and started again a few seconds later. Meanwhile the sink
 * pauses consumption and commits nothing; it resumes by itself, logs one
 * line each way, and the lake ends up with every record exactly once.
 * S3Proxy is always started again, even when an assertion fails.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { registerValueEncoder } from '../../lib/avro-codec.ts';
import { createKafka } from '../../lib/clients/kafka.ts';
import { sleep } from '../../lib/retry.ts';
import { generateDataset } from '../../ingest/generator/generate-dataset.ts';
import { connectProducer } from '../../ingest/producer/produce-file.ts';
import { DEFAULT_SINK_SETTINGS, startSink, type RunningSink } from '../../ingest/lake/index.ts';
import { clickEventSchema } from '../../schemas/index.ts';
import { ensureArtifacts } from '../../stack/artifacts.ts';
import { stopDaemon } from '../../stack/processes.ts';
import { s3Service } from '../../stack/services/s3.ts';
import { config, uniqueName } from '../helpers.ts';
import { deletePrefix, expectExactlyOnce, freshTopics, kafkaRecords, lakeRecords, logLines, produce, registry, waitCommitted } from './lake-helpers.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lake-s3-outage-'));
const prefix = `test-lake/${uniqueName('s3-outage')}`;
let sink: RunningSink | undefined;
afterAll(async () => {
  await sink?.stop(5000);
  await deletePrefix(prefix);
  fs.rmSync(dir, { recursive: true, force: true });
});

const startS3 = () => s3Service.start({ config, artifacts: () => ensureArtifacts(config.cacheDir) });

describe('S3 unreachable mid-run', () => {
  it('pauses, commits nothing, resumes by itself and still writes every record exactly once', async () => {
    await generateDataset({ outDir: dir, sessions: 6000, from: '2014-04-01', to: '2014-04-02', seed: 31 });
    const kafka = createKafka(config, 'lake-s3-outage-test');
    const [topic] = (await freshTopics(kafka, 1)) as [string];
    const [dlq] = (await freshTopics(kafka, 1, 1)) as [string];
    await registerValueEncoder(registry, topic, clickEventSchema);
    const groupPrefix = `${uniqueName('test-lake-s3')}-`;
    let log = '';
    const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _enc, done) => void ((log += chunk.toString()), done()) }));

    sink = await startSink(config, [topic], { ...DEFAULT_SINK_SETTINGS, prefix, groupPrefix, maxRows: 500, maxAgeMs: 1000, deadLetterTopic: dlq, retryMaxDelayMs: 2000 }, logger);
    const topicSink = sink.sinks[0]!;
    const producer = await connectProducer(kafka, config.kafka.brokers);
    // Two days of event time at 10,000× real time: about 17 s of streaming.
    const production = produce(producer, 'clicks', path.join(dir, 'yoochoose-clicks.dat'), topic, 10_000);

    await sleep(4000);
    const uploadedBefore = topicSink.stats.filesUploaded;
    const during: { consumed: number; committed: string }[] = [];
    try {
      expect(await stopDaemon(s3Service.process!(config))).toBe(true);
      const snapshot = () => ({ consumed: topicSink.stats.consumed, committed: JSON.stringify([...topicSink.committed].sort()) });
      await sleep(2500); // the first failing upload pauses consumption
      during.push(snapshot());
      for (let i = 0; i < 4; i++) {
        await sleep(1000);
        during.push(snapshot());
      }
    } finally {
      await startS3();
    }
    const summary = await production;
    await producer.disconnect();

    expect(uploadedBefore).toBeGreaterThan(0);
    // Paused and committing nothing while S3 was down.
    expect(new Set(during.map((d) => d.consumed)).size).toBe(1);
    expect(new Set(during.map((d) => d.committed)).size).toBe(1);
    expect(during[0]!.consumed).toBeLessThan(summary.produced);

    const admin = kafka.admin();
    await admin.connect();
    expect(await waitCommitted(admin, topicSink.groupId, topic, 120_000)).toBe(true);
    await admin.disconnect();
    await sink.stop();
    sink = undefined;

    expect(logLines(log, /^S3 unreachable/)).toHaveLength(1);
    expect(logLines(log, /^S3 reachable again/)).toHaveLength(1);
    expect(Number(logLines(log, /^S3 reachable again/)[0]!.downForSeconds)).toBeGreaterThan(4);

    const records = await kafkaRecords(kafka, topic, 'clicks');
    expect(records.length).toBe(summary.produced);
    expectExactlyOnce(await lakeRecords(prefix, topic), records, topic);
  });
});
