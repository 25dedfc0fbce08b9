/**
 * Process entry of the embedded ClickHouse endpoint:
 *
 *   node --import tsx clickhouse/server/main.ts --data-dir DIR [--host 127.0.0.1] [--port 8123]
 *
 * Owns one chDB data directory for its whole life (chDB binds one per
 * process), logs one line when it is ready, and on SIGTERM/SIGINT stops
 * serving, lets running queries finish and closes the chDB session before
 * exiting. Exit code 0 after a clean stop, 1 when it cannot start.
 */
import { parseArgs } from 'node:util';
import { createLogger } from '../../lib/logger.ts';
import { createClickHouseEndpoint } from './http-endpoint.ts';

const logger = createLogger('clickhouse-endpoint');

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`--port must be an integer in 0..65535, got ${value}`);
  return port;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'data-dir': { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '8123' },
    },
    strict: true,
  });
  const dataDir = values['data-dir'];
  if (!dataDir) throw new Error('--data-dir is required');
  const endpoint = createClickHouseEndpoint({ dataDir, host: values.host, port: parsePort(values.port), logger });
  const { port } = await endpoint.listen();
  logger.info({ dataDir, url: `http://${values.host}:${port}` }, `ClickHouse HTTP endpoint (chDB) ready on http://${values.host}:${port}`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    endpoint.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'unclean stop');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, 'cannot start the ClickHouse endpoint');
  process.exit(1);
});
