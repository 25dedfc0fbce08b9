/**
 * `guardian <command>`: the one CLI entry point. Each part of the system
 * registers its own commands; this file only assembles them.
 */
import { Command } from 'commander';
import { registerCommands } from './commands.ts';

const program = new Command('guardian')
  .description('Clickstream Guardian: event-sourced clickstream analytics')
  .showHelpAfterError();

registerCommands(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`guardian: ${message}\n`);
  if (process.env.GUARDIAN_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  process.exitCode = 1;
});
