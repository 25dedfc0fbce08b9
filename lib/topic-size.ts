/**
 * How many records a topic holds: the sum over partitions of end − start
 * offsets. Exact for topics written without transactions — the raw topics
 * and the dead-letter topic. The anomaly topic is written in transactions,
 * whose commit markers (and aborted attempts) take offsets too: there this is
 * an upper bound, and `reconcile` reads the topic instead of counting it.
 */
import type { Admin } from 'kafkajs';
import type { Config } from './config.ts';
import { createKafka } from './clients/kafka.ts';

export function recordsHeld(offsets: ReadonlyArray<{ high: string; low: string }>): number {
  return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
}

export async function topicRecordCount(admin: Admin, topic: string): Promise<number> {
  return recordsHeld(await admin.fetchTopicOffsets(topic));
}

/** The same with a short-lived admin client, for one-off commands. */
export async function countTopicRecords(config: Config, topic: string, clientId: string): Promise<number> {
  const admin = createKafka(config, clientId).admin();
  await admin.connect();
  try {
    return await topicRecordCount(admin, topic);
  } finally {
    await admin.disconnect();
  }
}
