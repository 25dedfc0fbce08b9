/** `guardian produce clicks|purchases`: replay a YOOCHOOSE file into Kafka. */
import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { assertKafkaReachable, createKafka, OUTLAST_BROKER_RESTART } from '../../lib/clients/kafka.ts';
import { createRegistry } from '../../lib/clients/registry.ts';
import { dateOrInstant, positiveInteger, stopSignal } from '../../lib/cli-args.ts';
import { loadConfig, PROJECT_ROOT } from '../../lib/config.ts';
import { createLogger } from '../../lib/logger.ts';
import { appendJsonLine } from '../../lib/json-lines.ts';
import { RESERVED_SESSION_ID_BASE } from '../generator/session-ids.ts';
import { connectProducer, produceFile, type EventKind, type ProduceSummary } from './produce-file.ts';
import { parseReplaySpeed } from './replay-pacer.ts';
import { appendProduceRun } from './run-log.ts';

const DEFAULT_FILES: Record<EventKind, string> = {
  clicks: path.join(PROJECT_ROOT, 'data/generated/yoochoose-clicks.dat'),
  purchases: path.join(PROJECT_ROOT, 'data/generated/yoochoose-buys.dat'),
};

export function formatSummary(s: ProduceSummary): string {
  return (
    `${s.kind}: read ${s.read}, produced ${s.produced}, dead-lettered ${s.deadLettered}` +
    (s.injectedSessions ? `, injected ${s.injected} clicks in ${s.injectedSessions} sessions` : '') +
    (s.skipped ? `, skipped ${s.skipped} outside --from/--to` : '') +
    `; ${s.eventsPerSecond} events/s over ${s.seconds.toFixed(1)} s${s.stoppedEarly ? ' (stopped early)' : ''}`
  );
}

export function registerProduceCommand(program: Command): void {
  program
    .command('produce')
    .description('replay a YOOCHOOSE file into Kafka as Avro (bad rows go to the DLQ)')
    .argument('<kind>', 'clicks or purchases', (value: string) => {
      if (value !== 'clicks' && value !== 'purchases') throw new InvalidArgumentError(`kind: expected "clicks" or "purchases", got "${value}"`);
      return value as EventKind;
    })
    .option('--csv-path <file>', 'input file (default: the generated data set)')
    .option('--max-events <n>', 'stop after N rows', positiveInteger('--max-events'))
    .option('--replay-speed <x>', 'X× real time by event timestamps, or "max"', parseReplaySpeed, Infinity)
    .option('--anomaly-interval <seconds>', 'inject a synthetic anomalous session every N seconds of event time (clicks)', positiveInteger('--anomaly-interval'))
    .option('--from <date>', 'first day (YYYY-MM-DD) or instant to produce', dateOrInstant('--from', 'start'))
    .option('--to <date>', 'last day (YYYY-MM-DD, inclusive) or instant (exclusive)', dateOrInstant('--to', 'end'))
    .option('--topic <name>', 'target topic (default: the raw topic of the kind)')
    .option('--injections-log <file>', 'append each injected session as a JSON line')
    .option('--run-log <file>', 'append the run\'s counts as a JSON line when it ends (for `guardian reconcile --produce-log`)')
    .action(async (kind: EventKind, opts) => {
      const csvPath: string = opts.csvPath ?? DEFAULT_FILES[kind];
      if (!fs.existsSync(csvPath)) throw new InvalidArgumentError(`--csv-path: no such file "${csvPath}" (run \`guardian generate\` first)`);
      if (opts.anomalyInterval && kind !== 'clicks') throw new InvalidArgumentError('--anomaly-interval: injection applies to clicks only');
      const config = loadConfig();
      const logger = createLogger('produce');
      await assertKafkaReachable(config);
      const kafka = createKafka(config, `guardian-produce-${kind}`, OUTLAST_BROKER_RESTART);
      const producer = await connectProducer(kafka, config.kafka.brokers);
      const signal = stopSignal((sig) => logger.warn({ signal: sig }, 'stopping: flushing what was read'));
      try {
        const summary = await produceFile(
          { producer, registry: createRegistry(config), logger },
          {
            kind,
            csvPath,
            maxEvents: opts.maxEvents,
            replaySpeed: opts.replaySpeed,
            anomalyIntervalSeconds: opts.anomalyInterval,
            injectedSessionIdBase: RESERVED_SESSION_ID_BASE,
            fromMs: opts.from,
            toMs: opts.to,
            topic: opts.topic,
            signal,
            onInjection: opts.injectionsLog
              ? (injection) => appendJsonLine(opts.injectionsLog, injection)
              : undefined,
          },
        );
        if (opts.runLog) appendProduceRun(opts.runLog, summary);
        process.stdout.write(`${formatSummary(summary)}\n`);
      } finally {
        await producer.disconnect();
      }
    });
}
