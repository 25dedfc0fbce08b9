/**
 * A whole second stack for the system fault drills: its own Kafka, registry,
 * S3 server and embedded ClickHouse on ports of their own, and its own
 * PostgreSQL server (initdb into the drill directory), so the drills can kill
 * and restart every one of them without touching the stack the other suites
 * share. Every project command runs as a child process with the drill's
 * environment, exactly as an operator would run it.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadConfig, PROJECT_ROOT, type Config } from '../lib/config.ts';
import { createKafka } from '../lib/clients/kafka.ts';
import { GuardianError } from '../lib/errors.ts';
import { countTopicRecords } from '../lib/topic-size.ts';
import { sleep } from '../lib/retry.ts';
import { allAppProcesses, appProcess, startApp, type AppName } from '../stack/app-processes.ts';
import { pidFile, runningPid, stopDaemon, tailOfLog, type ManagedProcess } from '../stack/processes.ts';

const run = promisify(execFile);
const GUARDIAN = path.join(PROJECT_ROOT, 'bin/guardian.mjs');
const DRILL_DIR = path.join(PROJECT_ROOT, '.stack-drills');
const PG_PORT = 35432;

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A PostgreSQL server of the drill's own, run as the `postgres` user when this is root (initdb refuses root). */
class PrivatePostgres {
  readonly dataDir = path.join(DRILL_DIR, 'postgresql');
  readonly logFile = path.join(this.dataDir, 'server.log');

  private async pgCtl(args: string[]): Promise<void> {
    await this.asOwner(path.join(binDir(), 'pg_ctl'), ['-D', this.dataDir, ...args]);
  }

  private async asOwner(command: string, args: string[]): Promise<void> {
    const limit = { timeout: 120_000 };
    if (process.getuid?.() === 0) await run('runuser', ['-u', 'postgres', '--', command, ...args], limit);
    else await run(command, args, limit);
  }

  async init(): Promise<void> {
    fs.mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
    if (process.getuid?.() === 0) await run('chown', ['postgres:postgres', this.dataDir]);
    await this.asOwner(path.join(binDir(), 'initdb'), ['-D', this.dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
    const options = `-p ${PG_PORT} -k ${this.dataDir} -c listen_addresses=127.0.0.1 -c fsync=off`;
    await this.pgCtl(['-o', options, '-l', this.logFile, '-w', 'start']);
  }

  /** `pg_ctl restart -m fast`: every connection is cut, the server comes back with the same options. */
  restart(): Promise<void> {
    // With its log file named: a server writing to pg_ctl's stdout would keep our pipe open for good.
    return this.pgCtl(['-m', 'fast', '-l', this.logFile, '-w', 'restart']);
  }

  async stop(): Promise<void> {
    if (fs.existsSync(path.join(this.dataDir, 'postmaster.pid'))) await this.pgCtl(['-m', 'immediate', '-w', 'stop']).catch(() => undefined);
  }
}

function binDir(): string {
  const versions = fs.existsSync('/usr/lib/postgresql') ? fs.readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a)) : [];
  const dir = versions.map((v) => path.join('/usr/lib/postgresql', v, 'bin')).find((d) => fs.existsSync(path.join(d, 'initdb')));
  if (!dir) throw new GuardianError('the drills need PostgreSQL\'s server binaries (initdb, pg_ctl) under /usr/lib/postgresql/<version>/bin');
  return dir;
}

export class DrillStack {
  readonly env: NodeJS.ProcessEnv;
  readonly config: Config;
  readonly postgres = new PrivatePostgres();

  constructor() {
    this.env = {
      ...process.env,
      STACK_DIR: DRILL_DIR,
      KAFKA_BROKERS: '127.0.0.1:39092',
      SCHEMA_REGISTRY_URL: 'http://127.0.0.1:38081/apis/ccompat/v7',
      S3_ENDPOINT: 'http://127.0.0.1:39000',
      DATABASE_URL: `postgres://postgres@127.0.0.1:${PG_PORT}/clickstream`,
      CLICKHOUSE_URL: 'http://127.0.0.1:38123',
      CLICKHOUSE_EMBEDDED: 'true',
      CLICKHOUSE_DATABASE: 'clickstream',
      GATEWAY_PORT: '34000',
      // A killed consumer's partitions move to its successor within seconds, not the default 30.
      DETECTOR_SESSION_TIMEOUT_MS: '6000',
      LOG_LEVEL: 'info',
    };
    for (const name of ['CLICKHOUSE_KAFKA_BROKERS', 'CLICKHOUSE_SCHEMA_REGISTRY_URL', 'DETECTOR_PG_SCHEMA', 'DETECTOR_GROUP_ID']) delete this.env[name];
    this.config = loadConfig(this.env);
  }

  /** Stops whatever an earlier, interrupted drill run left, then starts a clean stack and migrates it. */
  async up(): Promise<void> {
    await this.down();
    fs.rmSync(DRILL_DIR, { recursive: true, force: true });
    fs.mkdirSync(DRILL_DIR, { recursive: true });
    if (process.getuid?.() === 0) fs.chmodSync(DRILL_DIR, 0o755);
    await this.postgres.init();
    await this.mustSucceed(['stack', 'up']);
    await this.mustSucceed(['migrate']);
  }

  async down(): Promise<void> {
    if (!fs.existsSync(DRILL_DIR)) return;
    for (const app of allAppProcesses(this.config)) await stopDaemon(app, 5000);
    await this.guardian(['stack', 'down']);
    await this.postgres.stop();
  }

  /** Runs `guardian <args>` with the drill's environment. */
  guardian(args: string[]): Promise<CommandResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [GUARDIAN, ...args], { cwd: PROJECT_ROOT, env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.once('error', reject);
      child.once('exit', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    });
  }

  async mustSucceed(args: string[]): Promise<string> {
    const result = await this.guardian(args);
    if (result.code !== 0) throw new GuardianError(`guardian ${args.join(' ')} exited with ${result.code}:\n${result.stdout}\n${result.stderr}`);
    return result.stdout;
  }

  startApp(name: AppName, args: string[] = []): void {
    if (!startApp(this.config, name, { args, env: this.env })) throw new GuardianError(`${name} already runs in the drill stack`);
  }

  /** SIGKILL to the process group of a stack service or app, as a crash would. */
  async kill(managed: ManagedProcess): Promise<void> {
    const pid = runningPid(managed);
    if (pid === undefined) throw new GuardianError(`${managed.name} is not running; its log ends:\n${tailOfLog(managed)}`);
    process.kill(-pid, 'SIGKILL');
    while (runningPid(managed) !== undefined) await sleep(50);
    fs.rmSync(pidFile(managed), { force: true });
  }

  /** Waits until each consumer group has a member with partitions: the app behind it is consuming. */
  async waitForConsumers(groups: string[], timeoutMs = 90_000): Promise<void> {
    const admin = createKafka(this.config, 'drill-groups').admin();
    await admin.connect();
    try {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const { groups: described } = await admin.describeGroups(groups);
        const waiting = described.filter((g) => g.state !== 'Stable' || g.members.length === 0).map((g) => `${g.groupId} (${g.state})`);
        if (waiting.length === 0) return;
        if (Date.now() > deadline) throw new GuardianError(`consumer groups not consuming after ${timeoutMs} ms: ${waiting.join(', ')}`);
        await sleep(500);
      }
    } finally {
      await admin.disconnect();
    }
  }

  /** Waits until the topic holds `atLeast` more records than `before`. */
  async waitForRecords(topic: string, before: number, atLeast: number): Promise<void> {
    while ((await countTopicRecords(this.config, topic, 'drill-progress')) < before + atLeast) await sleep(200);
  }

  app(name: AppName): ManagedProcess {
    return appProcess(this.config, name);
  }
}
