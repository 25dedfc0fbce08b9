/**
 * GraphQL subscriptions over server-sent events, as graphql-yoga serves them
 * ("distinct connections" mode): a POST to /graphql with
 * `Accept: text/event-stream`, answered by a stream of `event: next` (one
 * execution result each) and a final `event: complete`.
 *
 * `fetch` + a stream reader rather than `EventSource`: it can POST, send the
 * same headers as queries (an API key when auth is on), and see the HTTP
 * status. When the stream breaks, it reconnects with a capped backoff
 * (1 s, 2 s, 4 s … 30 s) and reports its state through `onStatus`.
 */
import { GRAPHQL_PATH, requestHeaders } from './graphql.ts';

export type StreamStatus = 'connecting' | 'open' | 'retrying' | 'closed';

export interface SubscriptionHandlers<T> {
  onData(data: T): void;
  onStatus?(status: StreamStatus, detail?: string): void;
}

/** Splits an SSE byte stream into events (`event:` name and joined `data:` lines). */
export async function* readEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<{ event: string; data: string }> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue; // keep-alive comment
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'event') event = value;
          else if (field === 'data') data.push(value);
        }
        if (data.length > 0 || event !== 'message') yield { event, data: data.join('\n') };
      }
    }
  } finally {
    reader.releaseLock();
  }
}

/** Starts the subscription; returns a function that ends it. */
export function subscribe<T>(query: string, variables: Record<string, unknown>, handlers: SubscriptionHandlers<T>): () => void {
  const controller = new AbortController();
  let attempt = 0;

  const run = async (): Promise<void> => {
    while (!controller.signal.aborted) {
      handlers.onStatus?.(attempt === 0 ? 'connecting' : 'retrying');
      let problem = 'the stream ended';
      try {
        const response = await fetch(GRAPHQL_PATH, {
          method: 'POST',
          headers: requestHeaders('text/event-stream'),
          body: JSON.stringify({ query, variables }),
          signal: controller.signal,
        });
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
        handlers.onStatus?.('open');
        attempt = 0;
        for await (const { event, data } of readEvents(response.body)) {
          if (event === 'complete') break;
          if (event !== 'next' && event !== 'message') continue;
          const result = JSON.parse(data) as { data?: T; errors?: { message: string }[] };
          if (result.errors?.length) throw new Error(result.errors[0]!.message);
          if (result.data) handlers.onData(result.data);
        }
      } catch (error) {
        if (controller.signal.aborted) break;
        problem = error instanceof Error ? error.message : String(error);
      }
      if (controller.signal.aborted) break;
      attempt += 1;
      const delay = Math.min(30_000, 1000 * 2 ** Math.min(attempt - 1, 5));
      handlers.onStatus?.('retrying', `${problem}; reconnecting in ${Math.round(delay / 1000)} s`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
    handlers.onStatus?.('closed');
  };
  void run();
  return () => controller.abort();
}
