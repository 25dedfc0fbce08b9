/** Shared by the integration suites: the real services' clients, unique names and polling. */
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../lib/config.ts';
import { sleep } from '../lib/retry.ts';

export const config = loadConfig();

/** A name no other test (or earlier run) uses: kafkajs `test-topic-${random}` style. */
export const uniqueName = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

/** Polls `probe` until `done` holds for its value or the time runs out; returns the last value. */
export async function waitFor<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 30_000, intervalMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (!done(value) && Date.now() < deadline) {
    await sleep(intervalMs);
    value = await probe();
  }
  return value;
}

export { readWholeTopic, type ReadMessage } from '../lib/topic-read.ts';
