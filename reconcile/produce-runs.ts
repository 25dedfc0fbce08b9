/**
 * The producer's own counts against the topics: for the runs of a produce
 * log, rows read = produced + dead-lettered; the raw topics hold exactly the
 * produced and injected rows; the dead-letter topic holds exactly the
 * dead-lettered rows of those files; and a run that read its whole file read
 * every line of it (counted here independently of the producer's reader).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Kafka } from 'kafkajs';
import { createValueDecoder } from '../lib/avro-codec.ts';
import { readWholeTopic } from '../lib/topic-read.ts';
import { deadLetterSchema } from '../schemas/index.ts';
import type { ProduceRun } from '../ingest/producer/run-log.ts';
import type { Check } from './check.ts';

/** Lines as the producer defines them: every `\n`-terminated line, plus a last one without terminator. */
export function countFileLines(file: string): number {
  const buffer = Buffer.alloc(1 << 20);
  const fd = fs.openSync(file, 'r');
  let lines = 0;
  let last = 0x0a;
  try {
    for (let n = fs.readSync(fd, buffer); n > 0; n = fs.readSync(fd, buffer)) {
      for (let i = 0; i < n; i++) if (buffer[i] === 0x0a) lines++;
      last = buffer[n - 1]!;
    }
  } finally {
    fs.closeSync(fd);
  }
  return last === 0x0a ? lines : lines + 1;
}

const sum = (runs: readonly ProduceRun[], count: (run: ProduceRun) => number): number => runs.reduce((total, run) => total + count(run), 0);

export async function produceRunChecks(
  runs: readonly ProduceRun[],
  kafka: Kafka,
  registry: SchemaRegistry,
  kafkaRecords: Readonly<Record<string, number>>,
): Promise<Check[]> {
  const checks: Check[] = [
    { check: `produce runs (${runs.length}): rows read = produced + dead-lettered`, expected: sum(runs, (r) => r.produced + r.deadLettered), actual: sum(runs, (r) => r.read) },
  ];
  for (const topic of new Set(runs.map((r) => r.topic))) {
    const onTopic = runs.filter((r) => r.topic === topic);
    checks.push({ check: `${topic}: Kafka records = produced + injected by the runs`, expected: sum(onTopic, (r) => r.produced + r.injected), actual: kafkaRecords[topic] ?? 0 });
  }
  for (const dlqTopic of new Set(runs.map((r) => r.deadLetterTopic))) {
    const sources = new Set(runs.filter((r) => r.deadLetterTopic === dlqTopic).map((r) => path.basename(r.file)));
    const decode = createValueDecoder(registry, deadLetterSchema);
    let fromTheseFiles = 0;
    for (const { message } of await readWholeTopic(kafka, dlqTopic)) {
      if (message.value && sources.has((await decode(message.value)).source)) fromTheseFiles++;
    }
    const onTopic = runs.filter((r) => r.deadLetterTopic === dlqTopic);
    checks.push({ check: `${dlqTopic}: dead letters from the runs' files = dead-lettered`, expected: sum(onTopic, (r) => r.deadLettered), actual: fromTheseFiles });
  }
  for (const file of new Set(runs.filter((r) => r.wholeFile).map((r) => r.file))) {
    const whole = runs.filter((r) => r.wholeFile && r.file === file);
    if (!fs.existsSync(file)) {
      checks.push({ check: `${file}: the produced file is still there`, expected: 1, actual: 0 });
      continue;
    }
    const lines = countFileLines(file);
    checks.push({
      check: `${path.basename(file)}: runs whose read + skipped = the file's ${lines} lines`,
      expected: whole.length,
      actual: whole.filter((r) => r.read + r.skipped === lines).length,
    });
  }
  return checks;
}
