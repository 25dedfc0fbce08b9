/**
 * Stored form of a window engine snapshot: gzip of its JSON. The windows are
 * serialised in slices, yielding to the event loop between them, so a state
 * of millions of open windows neither builds one giant string nor stalls the
 * consumer's heartbeats; gzip runs on libuv's thread pool.
 */
import { gunzip as gunzipCallback } from 'node:zlib';
import { createGzip, constants } from 'node:zlib';
import { promisify } from 'node:util';
import type { WindowEngineSnapshot } from './windows/index.ts';

const gunzip = promisify(gunzipCallback);
const SLICE = 20_000;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export interface EncodedSnapshot {
  readonly data: Buffer;
  /** Time spent serialising on the event loop (gzip runs beside it): the cost that grows with the state. */
  readonly busyMs: number;
}

export async function encodeSnapshot(snapshot: WindowEngineSnapshot): Promise<EncodedSnapshot> {
  const { windows, ...head } = snapshot;
  let busyMs = 0;
  const timed = <T>(work: () => T): T => {
    const t = performance.now();
    const result = work();
    busyMs += performance.now() - t;
    return result;
  };
  const gzip = createGzip({ level: constants.Z_BEST_SPEED });
  const chunks: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => chunks.push(chunk));
  const finished = new Promise<void>((resolve, reject) => {
    gzip.on('end', resolve);
    gzip.on('error', reject);
  });
  const write = async (text: string) => {
    if (!gzip.write(text)) await new Promise<void>((resolve) => gzip.once('drain', resolve));
  };
  // `{...head, "windows":[` + slices + `]}`: the same object as JSON.stringify(snapshot), keys in another order.
  await write(timed(() => `${JSON.stringify(head).slice(0, -1)},"windows":[`));
  for (let from = 0; from < windows.length; from += SLICE) {
    const slice = timed(() => JSON.stringify(windows.slice(from, from + SLICE)).slice(1, -1));
    await write(from === 0 ? slice : `,${slice}`);
    if (from + SLICE < windows.length) await yieldToEventLoop();
  }
  gzip.end(']}');
  await finished;
  return { data: Buffer.concat(chunks), busyMs };
}

export async function decodeSnapshot(stored: Buffer): Promise<unknown> {
  return JSON.parse((await gunzip(stored)).toString('utf8')) as unknown;
}
