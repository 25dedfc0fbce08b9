/**
 * Downloads of the local stack, all from Maven Central through `mvn`, kept in
 * the git-ignored cache folder so that a warm `stack up` downloads nothing.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../lib/config.ts';
import { GuardianError } from '../lib/errors.ts';
import { createLogger } from '../lib/logger.ts';

const run = promisify(execFile);
const log = createLogger('stack');

export const VERSIONS = {
  kafka: '4.1.1',
  apicurio: '3.0.9',
  s3proxy: '2.6.0',
} as const;

export interface ArtifactPaths {
  kafkaLibs: string;
  apicurioJar: string;
  s3proxyJar: string;
}

export function artifactPaths(cacheDir: string): ArtifactPaths {
  return {
    kafkaLibs: path.join(cacheDir, `kafka-${VERSIONS.kafka}`, 'libs'),
    apicurioJar: path.join(cacheDir, `apicurio-registry-${VERSIONS.apicurio}`, `apicurio-registry-app-${VERSIONS.apicurio}-runner.jar`),
    s3proxyJar: path.join(cacheDir, `s3proxy-${VERSIONS.s3proxy}`, `s3proxy-${VERSIONS.s3proxy}-jar-with-dependencies.jar`),
  };
}

async function requireTool(tool: string, versionArg: string, hint: string): Promise<void> {
  try {
    await run(tool, [versionArg]);
  } catch {
    throw new GuardianError(`${tool} is not installed or not on PATH; ${hint}`);
  }
}

async function mvn(cacheDir: string, args: string[]): Promise<void> {
  const repo = path.join(cacheDir, 'm2');
  try {
    await run('mvn', ['-q', '-B', `-Dmaven.repo.local=${repo}`, ...args], { cwd: PROJECT_ROOT, maxBuffer: 32 * 1024 * 1024 });
  } catch (error) {
    const err = error as { stdout?: string; stderr?: string; message: string };
    const tail = `${err.stdout ?? ''}${err.stderr ?? ''}`.trim().split('\n').slice(-10).join('\n');
    throw new GuardianError(`mvn ${args.join(' ')} failed:\n${tail || err.message}`, { cause: error });
  }
}

/** Fetches whatever is missing; returns the paths. Idempotent and quick when all is cached. */
export async function ensureArtifacts(cacheDir: string): Promise<ArtifactPaths> {
  const paths = artifactPaths(cacheDir);
  await requireTool('java', '-version', 'install Java 17+ (apt-get install -y openjdk-17-jre-headless)');
  const missing = [
    !fs.existsSync(path.join(paths.kafkaLibs, `kafka_2.13-${VERSIONS.kafka}.jar`)),
    !fs.existsSync(paths.apicurioJar),
    !fs.existsSync(paths.s3proxyJar),
  ];
  if (!missing.some(Boolean)) return paths;
  await requireTool('mvn', '-v', 'install Maven (apt-get install -y maven)');
  const jobs: Promise<void>[] = [];
  if (missing[0]) {
    log.info({ version: VERSIONS.kafka }, 'downloading Apache Kafka broker jars from Maven Central');
    jobs.push(
      mvn(cacheDir, [
        '-f', path.join(PROJECT_ROOT, 'stack/maven/kafka-pom.xml'),
        `-Dkafka.version=${VERSIONS.kafka}`,
        'dependency:copy-dependencies',
        `-DoutputDirectory=${paths.kafkaLibs}`,
      ]),
    );
  }
  if (missing[1]) {
    log.info({ version: VERSIONS.apicurio }, 'downloading Apicurio Registry from Maven Central');
    const dir = path.dirname(paths.apicurioJar);
    jobs.push(
      mvn(cacheDir, [
        'dependency:copy',
        `-Dartifact=io.apicurio:apicurio-registry-app:${VERSIONS.apicurio}:tar.gz:all`,
        `-DoutputDirectory=${dir}`,
      ]).then(async () => {
        const archive = path.join(dir, `apicurio-registry-app-${VERSIONS.apicurio}-all.tar.gz`);
        await run('tar', ['xzf', archive, '-C', dir]);
        fs.rmSync(archive);
      }),
    );
  }
  if (missing[2]) {
    log.info({ version: VERSIONS.s3proxy }, 'downloading S3Proxy from Maven Central');
    jobs.push(
      mvn(cacheDir, [
        'dependency:copy',
        `-Dartifact=org.gaul:s3proxy:${VERSIONS.s3proxy}:jar:jar-with-dependencies`,
        `-DoutputDirectory=${path.dirname(paths.s3proxyJar)}`,
      ]),
    );
  }
  await Promise.all(jobs);
  return paths;
}
