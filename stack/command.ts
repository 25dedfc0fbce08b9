/** `guardian stack up|status|down|reset`. */
import type { Command } from 'commander';
import { loadConfig } from '../lib/config.ts';
import { appStatus, stackDown, stackReset, stackStatus, stackUp } from './stack.ts';

export function registerStackCommand(program: Command): void {
  const stack = program.command('stack').description('the local service stack (Kafka, registry, S3, PostgreSQL, ClickHouse)');
  stack
    .command('up')
    .description('install what is missing, start every local service and wait until each is ready')
    .action(async () => {
      const t0 = Date.now();
      await stackUp(loadConfig());
      await printStatus();
      process.stdout.write(`stack up in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    });
  stack.command('status').description('each service: up/down, version, address, pid and memory').action(async () => {
    const allUp = await printStatus();
    if (!allUp) process.exitCode = 1;
  });
  stack.command('down').description('stop the processes the stack started (never others)').action(async () => {
    const stopped = await stackDown(loadConfig());
    process.stdout.write(stopped.length ? `stopped: ${stopped.join(', ')}\n` : 'nothing was running\n');
  });
  stack.command('reset').description('stop the stack, delete its data and drop the project\'s PostgreSQL database (downloads are kept)').action(async () => {
    await stackReset(loadConfig());
    process.stdout.write('stack stopped and its data deleted\n');
  });
}

async function printStatus(): Promise<boolean> {
  const config = loadConfig();
  const rows = await stackStatus(config);
  const table = rows.map((r) => ({
    service: r.name,
    state: r.up ? 'up' : 'down',
    version: r.version ?? '',
    address: r.address,
    pid: r.pid ?? (r.local ? '' : 'external'),
    'rss MB': r.rssMb ?? '',
    detail: r.up ? '' : (r.detail ?? ''),
  }));
  for (const app of appStatus(config)) {
    const address = app.name === 'gateway' ? `http://${config.gateway.host}:${config.gateway.port}` : '';
    table.push({ service: app.name, state: app.pid ? 'running' : 'stopped', version: '', address, pid: app.pid ?? '', 'rss MB': app.rssMb ?? '', detail: '' });
  }
  const columns = Object.keys(table[0]!) as (keyof (typeof table)[number])[];
  const widths = columns.map((c) => Math.max(c.length, ...table.map((row) => String(row[c]).length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  process.stdout.write(`${line(columns)}\n${table.map((row) => line(columns.map((c) => String(row[c])))).join('\n')}\n`);
  // The pipeline processes are optional: only the stack's services decide the exit code.
  return rows.every((r) => r.up);
}
