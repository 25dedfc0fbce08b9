import { describe, expect, it } from 'vitest';
import { sandboxStatements, withoutKafkaEngine } from '../../clickhouse/sandbox-database.ts';
import { loadConfig } from '../../lib/config.ts';
import { ConfigError } from '../../lib/errors.ts';

describe('sandbox databases: the DDL without Kafka', () => {
  it('drops Kafka engine tables and every view reading them, keeps the rest in order', () => {
    const statements = [
      'CREATE TABLE IF NOT EXISTS db.t_raw (x Int64) ENGINE = MergeTree ORDER BY x',
      "CREATE TABLE IF NOT EXISTS db.t_queue (x Int64) ENGINE = Kafka SETTINGS kafka_topic_list = 't'",
      'CREATE MATERIALIZED VIEW IF NOT EXISTS db.t_mv TO db.t_raw AS SELECT x FROM db.t_queue WHERE 1',
      'CREATE MATERIALIZED VIEW IF NOT EXISTS db.agg_mv TO db.agg AS SELECT x FROM db.t_raw',
      'CREATE VIEW db.v AS SELECT 1',
    ];
    expect(withoutKafkaEngine(statements)).toEqual([statements[0], statements[3], statements[4]]);
  });

  it('applied to the project DDL: no Kafka table or consumer, every other table and view', () => {
    const statements = sandboxStatements(loadConfig({}), 'sandbox_x');
    const text = statements.join('\n');
    expect(text).not.toMatch(/ENGINE\s*=\s*Kafka/i);
    expect(text).not.toMatch(/_queue\b/);
    const created = statements.map((s) => /(?:TABLE|VIEW) IF NOT EXISTS sandbox_x\.(\w+)/.exec(s)?.[1]).filter(Boolean);
    for (const name of ['clicks_raw', 'purchases_raw', 'kafka_errors', 'daily_live', 'daily_live_clicks_mv', 'items_live', 'daily_live_metrics',
      'data_clock', 'daily_metrics', 'session_funnel', 'popular_items', 'popular_categories', 'trending', 'rollup_runs', 'rollup_status']) {
      expect(created).toContain(name);
    }
    expect(created).not.toContain('clicks_raw_mv');
    expect(created.indexOf('clicks_raw')).toBeLessThan(created.indexOf('daily_live_clicks_mv'));
  });

  it('refuses a database name that is not an identifier', () => {
    expect(() => sandboxStatements(loadConfig({}), 'x; DROP DATABASE y')).toThrow(ConfigError);
  });
});
