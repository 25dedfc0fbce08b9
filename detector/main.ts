/**
 * Stand-alone entry of `detect`, for running the detector as its own process
 * — tests start it this way and SIGKILL it — until and besides `guardian`,
 * which registers the same command:
 *
 *   node --import tsx detector/main.ts detect --group-id detector
 */
import { Command } from 'commander';
import { registerDetectCommand } from './command.ts';

const program = new Command('guardian-detector').description('the real-time anomaly detector').showHelpAfterError();
registerDetectCommand(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`guardian-detector: ${error instanceof Error ? error.message : String(error)}\n`);
  if (process.env.GUARDIAN_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  process.exitCode = 1;
});
