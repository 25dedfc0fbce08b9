/** `guardian reconcile`: prints the reconciliation table (reconcile/); exit code 1 on any mismatch. */
import type { Command } from 'commander';
import { loadConfig } from '../lib/config.ts';
import { agrees, formatChecks, reconcile } from '../reconcile/index.ts';

export function registerReconcileCommand(program: Command): void {
  program
    .command('reconcile')
    .description('check that the producer logs, Kafka, the lake, ClickHouse and PostgreSQL agree; exit 1 on any mismatch')
    .option('--produce-log <file>', 'also check the producer runs logged here (produce --run-log; the demo writes data/demo/produce-runs.jsonl)')
    .option('--injections-log <file>', 'also check these injected anomalies (produce --injections-log; the demo writes data/demo/injections.jsonl)')
    .option('--lake-prefix <prefix>', 'the lake sink\'s key prefix', 'topics')
    .action(async (options: { produceLog?: string; injectionsLog?: string; lakePrefix: string }) => {
      const checks = await reconcile(loadConfig(), options);
      process.stdout.write(formatChecks(checks));
      if (!checks.every(agrees)) process.exitCode = 1;
    });
}
