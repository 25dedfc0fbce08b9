/**
 * The local stack as the rest of the system sees it: each real service is
 * ready and does what the project needs of it, and a first Avro event goes
 * from Kafka into ClickHouse through the Kafka engine alone.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import pg from 'pg';
import { createClickHouse } from '../../lib/clients/clickhouse.ts';
import { createKafka } from '../../lib/clients/kafka.ts';
import { createRegistry } from '../../lib/clients/registry.ts';
import { createS3 } from '../../lib/clients/s3.ts';
import { TOPIC_PARTITIONS, TOPICS } from '../../lib/topics.ts';
import { migrateAll } from '../../migrations/migrate.ts';
import { clickEventSchema, type ClickEvent } from '../../schemas/index.ts';
import { RESERVED_SESSION_ID_BASE } from '../../ingest/generator/session-ids.ts';
import { config, uniqueName, waitFor } from '../helpers.ts';

const run = promisify(execFile);
const kafka = createKafka(config, 'stack-test');
const clickhouse = createClickHouse(config);

afterAll(async () => {
  await clickhouse.close();
});

describe('stack status', () => {
  it('reports every service up, with its version', async () => {
    const { stdout } = await run(process.execPath, ['bin/guardian.mjs', 'stack', 'status']);
    for (const name of ['kafka', 'schema-registry', 's3', 'postgresql', 'clickhouse']) {
      expect(stdout).toMatch(new RegExp(`^${name}\\s+up\\s+\\S+`, 'm'));
    }
  });
});

describe('kafka', () => {
  it('has the topics of SPEC §2 with their partition counts', async () => {
    const admin = kafka.admin();
    await admin.connect();
    const { topics } = await admin.fetchTopicMetadata({ topics: Object.values(TOPICS) });
    await admin.disconnect();
    const partitions = Object.fromEntries(topics.map((t) => [t.name, t.partitions.length]));
    expect(partitions).toEqual(TOPIC_PARTITIONS);
  });

  it('produces, and consumes in a consumer group', async () => {
    const topic = uniqueName('test-topic');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    const sent = Array.from({ length: 30 }, (_, i) => ({ key: String(i % 7), value: `message-${i}` }));
    await producer.send({ topic, acks: -1, messages: sent });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: uniqueName('test-group') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received: string[] = [];
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          received.push(message.value!.toString());
          if (received.length === sent.length) resolve();
        },
      });
    });
    await consumer.disconnect();
    expect(received.sort()).toEqual(sent.map((m) => m.value).sort());
  });
});

describe('schema registry', () => {
  it('registers, encodes and decodes through the Confluent-compatible API', async () => {
    const registry = createRegistry(config);
    const subject = `${uniqueName('test-subject')}-value`;
    const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(clickEventSchema.schema) }, { subject });
    expect(id).toBeGreaterThan(0);
    const click: ClickEvent = { session_id: 42, timestamp: Date.UTC(2014, 3, 7, 10, 51, 9, 277), item_id: 214536502, category: 'S' };
    const encoded = await registry.encode(id, click);
    expect(encoded[0]).toBe(0);
    expect(encoded.readInt32BE(1)).toBe(id);
    expect(await registry.decode(encoded)).toEqual(click);
  });
});

describe('s3', () => {
  it('puts, gets and lists in the data-lake bucket with path-style addressing', async () => {
    const s3 = createS3(config);
    const prefix = `${uniqueName('test')}/`;
    const bodies = { [`${prefix}a.txt`]: 'alpha', [`${prefix}b/c.txt`]: 'gamma' };
    for (const [Key, Body] of Object.entries(bodies)) await s3.send(new PutObjectCommand({ Bucket: config.s3.bucket, Key, Body }));
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: config.s3.bucket, Prefix: prefix }));
    expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual(Object.keys(bodies).sort());
    const got = await s3.send(new GetObjectCommand({ Bucket: config.s3.bucket, Key: `${prefix}b/c.txt` }));
    expect(await got.Body!.transformToString()).toBe('gamma');
    s3.destroy();
  });
});

describe('postgresql and migrations', () => {
  it('has the project database with the anomaly table, and migrating again changes nothing', async () => {
    const second = await migrateAll(config);
    expect(second.every((r) => r.status === 'already applied')).toBe(true);
    const client = new pg.Client({ connectionString: config.postgres.url });
    await client.connect();
    const { rows } = await client.query<{ column_name: string }>(
      "SELECT column_name FROM information_schema.columns WHERE table_name = 'anomaly_sessions' ORDER BY column_name",
    );
    await client.end();
    expect(rows.map((r) => r.column_name)).toEqual(
      ['anomaly_type', 'click_count', 'detected_at', 'session_id', 'unique_items', 'window_end', 'window_start'],
    );
  });
});

describe('clickhouse', () => {
  it('answers @clickhouse/client like a server', async () => {
    expect((await clickhouse.ping()).success).toBe(true);
    const result = await clickhouse.query({ query: 'SELECT {a:UInt32} + {b:UInt32} AS sum, currentDatabase() AS db', query_params: { a: 40, b: 2 }, format: 'JSONEachRow' });
    expect(await result.json()).toEqual([{ sum: 42, db: config.clickhouse.database }]);
  });

  it('ingests Avro clicks from km.clicks.raw.v1 by itself (Kafka engine → materialized view → MergeTree) within 30 s', async () => {
    const registry = createRegistry(config);
    const { id } = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(clickEventSchema.schema) },
      { subject: `${TOPICS.clicks}-value` },
    );
    const base = RESERVED_SESSION_ID_BASE + Math.floor(Math.random() * 1e9) * 100;
    const clicks: ClickEvent[] = Array.from({ length: 12 }, (_, i) => ({
      session_id: base + (i % 4),
      timestamp: Date.UTC(2014, 3, 7, 10, 0, i, 277),
      item_id: 214_500_000 + i,
      category: ['0', 'S', '7', '2053510236'][i % 4]!,
    }));
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await producer.send({
      topic: TOPICS.clicks,
      acks: -1,
      messages: await Promise.all(clicks.map(async (c) => ({ key: String(c.session_id), value: await registry.encode(id, c) }))),
    });
    await producer.disconnect();

    const query = async () => {
      const result = await clickhouse.query({
        query: `SELECT session_id, toUnixTimestamp64Milli(timestamp) AS timestamp, item_id, category, _topic
                FROM clicks_raw WHERE session_id BETWEEN {lo:Int64} AND {hi:Int64} ORDER BY timestamp`,
        query_params: { lo: base, hi: base + 3 },
        format: 'JSONEachRow',
        clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
      });
      return result.json<ClickEvent & { _topic: string }>();
    };
    const rows = await waitFor(query, (r) => r.length >= clicks.length, 30_000);
    expect(rows).toEqual(clicks.map((c) => ({ ...c, _topic: TOPICS.clicks })));
  });
});
