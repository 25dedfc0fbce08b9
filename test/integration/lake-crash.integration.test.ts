/**
 * Crash drill for the lake sink: two sink processes share a consumer group
 * while events stream in; each is killed with SIGKILL in the middle of the
 * run (files open, uploads and commits in flight) and a new process takes
 * its place. The lake still ends up with every record exactly once.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { registerValueEncoder } from '../../lib/avro-codec.ts';
import { createKafka } from '../../lib/clients/kafka.ts';
import { sleep } from '../../lib/retry.ts';
import { generateDataset } from '../../ingest/generator/generate-dataset.ts';
import { connectProducer } from '../../ingest/producer/produce-file.ts';
import { listLakeFiles } from '../../ingest/lake/index.ts';
import { clickEventSchema } from '../../schemas/index.ts';
import { config, uniqueName, waitFor } from '../helpers.ts';
import {
  deletePrefix,
  expectExactlyOnce,
  freshTopics,
  kafkaRecords,
  lakeRecords,
  logLines,
  produce,
  registry,
  s3,
  spawnSink,
  waitCommitted,
  withLateArrivals,
  type SinkProcess,
} from './lake-helpers.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lake-crash-'));
const prefix = `test-lake/${uniqueName('crash')}`;
const processes: SinkProcess[] = [];
afterAll(async () => {
  for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  await deletePrefix(prefix);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('sink processes killed with SIGKILL mid-run', () => {
  it('still write every record exactly once', async () => {
    await generateDataset({ outDir: dir, sessions: 8000, from: '2014-04-01', to: '2014-04-02', seed: 23 });
    withLateArrivals(path.join(dir, 'yoochoose-clicks.dat'), path.join(dir, 'late-clicks.dat'));
    const kafka = createKafka(config, 'lake-crash-test');
    const [topic] = await freshTopics(kafka, 1);
    const [dlq] = await freshTopics(kafka, 1, 1);
    await registerValueEncoder(registry, topic!, clickEventSchema);
    const groupPrefix = `${uniqueName('test-lake-crash')}-`;
    const groupId = `${groupPrefix}${topic}`;
    const args = ['--topic', topic!, '--prefix', prefix, '--group-prefix', groupPrefix, '--max-rows', '500', '--max-age', '1', '--session-timeout', '6', '--dead-letter-topic', dlq!];
    const start = () => {
      const p = spawnSink(args);
      processes.push(p);
      return p;
    };
    const admin = kafka.admin();
    await admin.connect();
    const committedSum = async () =>
      ((await admin.fetchOffsets({ groupId, topics: [topic!] }))[0]?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);

    const a = start();
    const b = start();
    await waitFor(async () => logLines(a.output() + b.output(), /partitions assigned/).length, (n) => n >= 2, 60_000);

    const producer = await connectProducer(kafka, config.kafka.brokers);
    // Two days of event time at 12,000× real time: about 15 s of streaming.
    const production = produce(producer, 'clicks', path.join(dir, 'late-clicks.dat'), topic!, 12_000);

    await sleep(4000);
    const filesBeforeKill = (await listLakeFiles(s3, config.s3.bucket, prefix, topic!)).length;
    const committedBeforeKill = await committedSum();
    a.child.kill('SIGKILL');
    await sleep(1500);
    const a2 = start();
    await sleep(3500);
    b.child.kill('SIGKILL');
    await sleep(1000);
    const b2 = start();

    const summary = await production;
    await producer.disconnect();
    // Killed mid-run: files had been uploaded and offsets committed, but far from all of them.
    expect(filesBeforeKill).toBeGreaterThan(0);
    expect(committedBeforeKill).toBeGreaterThan(0);
    expect(committedBeforeKill).toBeLessThan(summary.produced / 2);
    expect(await a.exited).toBeNull();
    expect(await b.exited).toBeNull();

    expect(await waitCommitted(admin, groupId, topic!, 150_000)).toBe(true);
    for (const p of [a2, b2]) p.child.kill('SIGTERM');
    const tail = (p: SinkProcess) => p.output().split('\n').filter((l) => !l.includes('lake sink progress')).slice(-12).join('\n');
    expect(await a2.exited, tail(a2)).toBe(0);
    expect(await b2.exited, tail(b2)).toBe(0);
    await admin.disconnect();

    const records = await kafkaRecords(kafka, topic!, 'clicks');
    expect(records.length).toBe(summary.produced);
    expectExactlyOnce(await lakeRecords(prefix, topic!), records, topic!);
    // The restarted members really picked up after the killed ones.
    expect(logLines(a2.output() + b2.output(), /lake sink stopped/).reduce((n, l) => n + Number(l.rowsUploaded), 0)).toBeGreaterThan(0);
  });
});
