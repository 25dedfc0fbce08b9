/** The list of command groups `guardian` offers; each module registers its own subcommands. */
import type { Command } from 'commander';
import { registerGenerateCommand } from '../ingest/generator/command.ts';
import { registerReplayCommand, registerSinkCommand } from '../ingest/lake/command.ts';
import { registerProduceCommand } from '../ingest/producer/command.ts';
import { registerRollupCommand } from '../clickhouse/rollup/command.ts';
import { registerSqlCommand } from '../clickhouse/sql/command.ts';
import { registerDetectCommand } from '../detector/command.ts';
import { registerServeCommand } from '../graphql/command.ts';
import { registerMigrateCommand } from '../migrations/migrate.ts';
import { registerDemoCommand } from './demo.ts';
import { registerReconcileCommand } from './reconcile.ts';
import { registerStackCommand } from '../stack/command.ts';

export function registerCommands(program: Command): void {
  registerStackCommand(program);
  registerMigrateCommand(program);
  registerGenerateCommand(program);
  registerProduceCommand(program);
  registerSinkCommand(program);
  registerReplayCommand(program);
  registerRollupCommand(program);
  registerSqlCommand(program);
  registerDetectCommand(program);
  registerServeCommand(program);
  registerDemoCommand(program);
  registerReconcileCommand(program);
}
