/**
 * Stand-alone entry of the lake commands (`sink`, `replay`), for running
 * them as their own process — tests start the sink this way and SIGKILL it —
 * until and besides `guardian`, which registers the same commands:
 *
 *   node --import tsx ingest/lake/main.ts sink --topic km.clicks.raw.v1
 */
import { Command } from 'commander';
import { registerReplayCommand, registerSinkCommand } from './command.ts';

const program = new Command('guardian-lake').description('the S3 data lake: sink and replay').showHelpAfterError();
registerSinkCommand(program);
registerReplayCommand(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`guardian-lake: ${error instanceof Error ? error.message : String(error)}\n`);
  if (process.env.GUARDIAN_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  process.exitCode = 1;
});
