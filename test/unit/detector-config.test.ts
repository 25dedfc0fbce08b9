/** The detector's configuration: SPEC §3 defaults, overrides, and which PostgreSQL failures are waited out. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config.ts';
import { ConfigError, GuardianError } from '../../lib/errors.ts';
import { detectorOptionsFrom } from '../../detector/command.ts';
import { DEFAULT_DETECTOR_SETTINGS } from '../../detector/rules.ts';
import { isRetriablePostgresError } from '../../detector/postgres-transaction.ts';
import { isKafkaError, isSchemaNotFound } from '../../detector/consumer-loop.ts';

describe('detector configuration', () => {
  it('defaults to SPEC §3 — the same values as the rule table’s defaults — and the issue’s cadences', () => {
    const d = loadConfig({}).detector;
    expect(d.rules).toEqual({
      highFrequencyWindowMs: 10_000,
      highFrequencyMinClicks: 50,
      botLikeWindowMs: 60_000,
      botLikeSlideMs: 30_000,
      botLikeMinClicks: 100,
      botLikeMaxUniqueItems: 5,
      watermarkDelayMs: 10_000,
    });
    expect(d.rules).toEqual({ ...DEFAULT_DETECTOR_SETTINGS });
    expect(d).toMatchObject({ groupId: 'detector', batchIntervalMs: 5000, checkpointIntervalMs: 5000, pgSchema: 'public', metricsPort: undefined });
  });

  it('reads every threshold, window and cadence from the environment', () => {
    const d = loadConfig({
      DETECTOR_HIGH_FREQUENCY_MIN_CLICKS: '30',
      DETECTOR_BOT_LIKE_WINDOW_MS: '120000',
      DETECTOR_WATERMARK_DELAY_MS: '0',
      DETECTOR_BATCH_INTERVAL_MS: '1000',
      DETECTOR_GROUP_ID: 'detector-b',
      DETECTOR_METRICS_PORT: '9464',
    }).detector;
    expect(d.rules).toMatchObject({ highFrequencyMinClicks: 30, botLikeWindowMs: 120_000, watermarkDelayMs: 0 });
    expect(d).toMatchObject({ batchIntervalMs: 1000, groupId: 'detector-b', metricsPort: 9464 });
  });

  it('names each invalid detector variable', () => {
    const attempt = () => loadConfig({ DETECTOR_BATCH_INTERVAL_MS: '0', DETECTOR_PG_SCHEMA: 'a; drop', DETECTOR_BOT_LIKE_MIN_CLICKS: 'many' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/DETECTOR_BATCH_INTERVAL_MS/);
    expect(attempt).toThrow(/DETECTOR_PG_SCHEMA/);
    expect(attempt).toThrow(/DETECTOR_BOT_LIKE_MIN_CLICKS/);
  });

  it('takes topics, group and schema as overrides (what tests and side deployments point elsewhere)', () => {
    const o = detectorOptionsFrom(loadConfig({}), { inputTopic: 'in', outputTopic: 'out', groupId: 'g', pgSchema: 's' });
    expect(o).toMatchObject({ inputTopic: 'in', outputTopic: 'out', groupId: 'g', pgSchema: 's', batchIntervalMs: 5000 });
    expect(detectorOptionsFrom(loadConfig({}))).toMatchObject({ inputTopic: 'km.clicks.raw.v1', outputTopic: 'km.anomalies.v1' });
  });
});

describe('PostgreSQL failures', () => {
  it('waits out a server that is down, restarting, or in conflict', () => {
    for (const error of [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
      new Error('Connection terminated unexpectedly'),
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
      Object.assign(new Error('the database system is starting up'), { code: '57P03' }),
      Object.assign(new Error('sorry, too many clients already'), { code: '53300' }),
      Object.assign(new Error('deadlock detected'), { code: '40P01' }),
      Object.assign(new Error('connection failure'), { code: '08006' }),
      new Error('Query read timeout'),
      new GuardianError('PostgreSQL: no connection within 10000 ms', { retriable: true }),
    ]) {
      expect(isRetriablePostgresError(error), error.message).toBe(true);
    }
  });

  it('fails at once on errors in what was asked', () => {
    for (const error of [
      Object.assign(new Error('relation "x.anomaly_sessions" does not exist'), { code: '42P01' }),
      Object.assign(new Error('syntax error at or near "SELEC"'), { code: '42601' }),
      Object.assign(new Error('new row violates check constraint'), { code: '23514' }),
      new GuardianError('bad checkpoint'),
    ]) {
      expect(isRetriablePostgresError(error), error.message).toBe(false);
    }
  });
});

describe('schema registry and Kafka failures', () => {
  it('skips a message only when the registry says its schema does not exist, and waits when the registry is away', () => {
    // as @kafkajs/confluent-schema-registry reports them (mappersmith ResponseError)
    expect(isSchemaNotFound(Object.assign(new Error("Confluent_Schema_Registry - No content with ID '987654' was found."), { status: 404 }))).toBe(true);
    expect(isSchemaNotFound(Object.assign(new Error('Confluent_Schema_Registry - Error, status 400: connect ECONNREFUSED 127.0.0.1:8081'), { status: 400 }))).toBe(false);
    expect(isSchemaNotFound(new Error('socket hang up'))).toBe(false);
  });

  it('retries Kafka client errors (broker away, group moving), whatever kafkajs says about retrying', () => {
    expect(isKafkaError(Object.assign(new Error('Connection error'), { name: 'KafkaJSConnectionError' }))).toBe(true);
    expect(isKafkaError(Object.assign(new Error('retries exceeded'), { name: 'KafkaJSNumberOfRetriesExceeded' }))).toBe(true);
    expect(isKafkaError(new TypeError('x is undefined'))).toBe(false);
  });
});
