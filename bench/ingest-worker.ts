/** One producer run for bench/ingest.ts, in its own process so its peak RSS is its own. Prints JSON. */
import { createKafka } from '../lib/clients/kafka.ts';
import { createRegistry } from '../lib/clients/registry.ts';
import { loadConfig } from '../lib/config.ts';
import { createLogger } from '../lib/logger.ts';
import { RESERVED_SESSION_ID_BASE } from '../ingest/generator/session-ids.ts';
import { connectProducer, produceFile } from '../ingest/producer/produce-file.ts';

const [csvPath, topic] = process.argv.slice(2);
const config = loadConfig();
const producer = await connectProducer(createKafka(config, 'bench-ingest'), config.kafka.brokers);
const summary = await produceFile(
  { producer, registry: createRegistry(config), logger: createLogger('bench') },
  { kind: 'clicks', csvPath: csvPath!, topic, replaySpeed: Infinity, injectedSessionIdBase: RESERVED_SESSION_ID_BASE, batchSize: Number(process.env.BENCH_BATCH_SIZE ?? 5000) },
);
await producer.disconnect();
process.stdout.write(`${JSON.stringify({ ...summary, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`);
