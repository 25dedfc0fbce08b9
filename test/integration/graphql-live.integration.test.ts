/**
 * The gateway's Kafka side against the real broker and registry, on topics
 * and consumer groups of this test only:
 * - `anomalyDetected` (SSE) delivers AnomalyEvents produced to the
 *   anomalies topic, field for field, and a filtered subscription only its type;
 * - the pipeline status reports each consumer group's lag (end offset −
 *   committed offset, per partition) and the dead-letter topic's size.
 */
import type { Admin, Kafka, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerValueEncoder, type ValueEncoder } from '../../lib/avro-codec.ts';
import { createKafka } from '../../lib/clients/kafka.ts';
import { createRegistry } from '../../lib/clients/registry.ts';
import { anomalyEventSchema, type AnomalyEvent } from '../../schemas/index.ts';
import type { Gateway } from '../../graphql/server.ts';
import { openSandbox, type Sandbox } from '../clickhouse-sandbox.ts';
import { gqlData, metricValue, startTestGateway, subscribe } from '../gateway-harness.ts';
import { config, uniqueName, waitFor } from '../helpers.ts';

const anomaliesTopic = uniqueName('test-gw-anomalies');
const deadLetterTopic = uniqueName('test-gw-dlq');
const lagTopic = uniqueName('test-gw-lag');
const laggingGroup = uniqueName('test-gw-group');
const unknownGroup = uniqueName('test-gw-never-ran');

let kafka: Kafka;
let admin: Admin;
let producer: Producer;
let encoder: ValueEncoder<AnomalyEvent>;
let sandbox: Sandbox;
let gateway: Gateway;

const iso = (ms: number) => new Date(ms).toISOString();

beforeAll(async () => {
  kafka = createKafka(config, 'gateway-live-test', { quiet: true });
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic: anomaliesTopic, numPartitions: 3 },
      { topic: deadLetterTopic, numPartitions: 1 },
      { topic: lagTopic, numPartitions: 2 },
    ],
  });
  producer = kafka.producer();
  await producer.connect();
  encoder = await registerValueEncoder(createRegistry(config), anomaliesTopic, anomalyEventSchema);

  // Lag: 6 messages on partition 0 and 4 on partition 1; the group has read 2 and 4 of them.
  await producer.send({ topic: lagTopic, messages: [...Array.from({ length: 6 }, (_, i) => ({ partition: 0, value: `p0-${i}` })), ...Array.from({ length: 4 }, (_, i) => ({ partition: 1, value: `p1-${i}` }))] });
  await admin.setOffsets({ groupId: laggingGroup, topic: lagTopic, partitions: [{ partition: 0, offset: '2' }, { partition: 1, offset: '4' }] });
  await producer.send({ topic: deadLetterTopic, messages: Array.from({ length: 7 }, (_, i) => ({ value: `dead-${i}` })) });

  sandbox = await openSandbox('test_gateway_live');
  gateway = await startTestGateway(
    { CLICKHOUSE_DATABASE: sandbox.database },
    {
      live: true,
      anomaliesTopic,
      deadLetterTopic,
      consumerGroups: [
        { component: 'detector', groupId: laggingGroup, topics: [lagTopic] },
        { component: 'lake-sink', groupId: unknownGroup, topics: [lagTopic] },
      ],
    },
  );
  await Promise.race([gateway.feed!.ready, new Promise((_, reject) => setTimeout(() => reject(new Error('the live feed did not join its group')), 60_000))]);
});

afterAll(async () => {
  await gateway?.close();
  await sandbox?.drop();
  await producer?.disconnect();
  await admin?.deleteTopics({ topics: [anomaliesTopic, deadLetterTopic, lagTopic] }).catch(() => undefined);
  await admin?.deleteGroups([laggingGroup]).catch(() => undefined);
  await admin?.disconnect();
});

describe('anomalyDetected', () => {
  it('delivers each anomaly produced to the topic, and a filtered subscription only its type', async () => {
    const fields = 'sessionId type windowStart windowEnd clickCount uniqueItems detectedAt';
    const stop = new AbortController();
    const all = await subscribe<{ anomalyDetected: Record<string, unknown> }>(gateway.url, `subscription { anomalyDetected { ${fields} } }`, {}, stop.signal);
    const bots = await subscribe<{ anomalyDetected: Record<string, unknown> }>(gateway.url, `subscription($t: AnomalyType) { anomalyDetected(type: $t) { ${fields} } }`, { t: 'BOT_LIKE' }, stop.signal);
    const firstOf = (events: typeof all) => events.next().then((r) => r.value);
    const received = Promise.all([firstOf(all), firstOf(bots)]);
    try {
      // Produce until both have something: a subscription only sees what arrives after it is set up.
      const produced: AnomalyEvent[] = [];
      let done = false;
      void received.then(() => (done = true));
      for (let round = 0; !done && round < 30; round++) {
        const base = Date.UTC(2014, 3, 7, 10, 0, round * 10);
        const batch: AnomalyEvent[] = [
          { session_id: 900_000_000_100 + round, anomaly_type: 'HIGH_FREQUENCY', window_start: base, window_end: base + 10_000, click_count: 60 + round, unique_items: 7, detected_at: Date.now() },
          { session_id: 900_000_000_500 + round, anomaly_type: 'BOT_LIKE', window_start: base, window_end: base + 60_000, click_count: 120 + round, unique_items: 2, detected_at: Date.now() },
        ];
        produced.push(...batch);
        await producer.send({ topic: anomaliesTopic, messages: batch.map((e) => ({ key: String(e.session_id), value: encoder.encode(e) })) });
        await Promise.race([received, new Promise((resolve) => setTimeout(resolve, 1000))]);
      }
      const [first, firstBot] = await received;
      const asApi = (e: AnomalyEvent) => ({
        sessionId: e.session_id,
        type: e.anomaly_type,
        windowStart: iso(e.window_start),
        windowEnd: iso(e.window_end),
        clickCount: e.click_count,
        uniqueItems: e.unique_items,
        detectedAt: iso(e.detected_at),
      });
      expect(produced.map(asApi)).toContainEqual(first?.data?.anomalyDetected);
      expect(firstBot?.data?.anomalyDetected).toMatchObject({ type: 'BOT_LIKE' });
      expect(produced.filter((e) => e.anomaly_type === 'BOT_LIKE').map(asApi)).toContainEqual(firstBot?.data?.anomalyDetected);
      expect(await metricValue(gateway.url, 'guardian_gateway_subscriptions_active', '')).toBe(2);
      expect(await metricValue(gateway.url, 'guardian_gateway_live_anomalies_total', 'type="BOT_LIKE"')).toBeGreaterThanOrEqual(1);
    } finally {
      stop.abort();
      await all.return(undefined).catch(() => undefined);
      await bots.return(undefined).catch(() => undefined);
    }
    expect(await waitFor(() => metricValue(gateway.url, 'guardian_gateway_subscriptions_active', ''), (n) => n === 0, 10_000, 200)).toBe(0);
  });
});

describe('pipelineStatus', () => {
  it('reports consumer lag per partition and the dead-letter count', async () => {
    const { pipelineStatus } = await gqlData<{ pipelineStatus: { consumerGroups: Record<string, unknown>[]; deadLetters: Record<string, unknown> } }>(
      gateway.url,
      `{ pipelineStatus {
          consumerGroups { component groupId topic state members totalLag error partitions { partition committedOffset endOffset lag } }
          deadLetters { topic messages error clickhouseParseErrors { topic count } } } }`,
    );
    expect(pipelineStatus.consumerGroups).toEqual([
      {
        component: 'detector',
        groupId: laggingGroup,
        topic: lagTopic,
        state: 'Empty',
        members: 0,
        totalLag: 4,
        error: null,
        partitions: [
          { partition: 0, committedOffset: 2, endOffset: 6, lag: 4 },
          { partition: 1, committedOffset: 4, endOffset: 4, lag: 0 },
        ],
      },
      {
        component: 'lake-sink',
        groupId: unknownGroup,
        topic: lagTopic,
        state: 'Dead',
        members: 0,
        totalLag: 10,
        error: null,
        partitions: [
          { partition: 0, committedOffset: null, endOffset: 6, lag: 6 },
          { partition: 1, committedOffset: null, endOffset: 4, lag: 4 },
        ],
      },
    ]);
    expect(pipelineStatus.deadLetters).toEqual({ topic: deadLetterTopic, messages: 7, error: null, clickhouseParseErrors: [] });
  });
});
