/**
 * `useQuery(load)`: a panel's data, reloaded whenever what `load` reads
 * synchronously changes (its filters) and on every refresh tick. Keeps the
 * previous answer while a refresh is in flight (no flashing), drops answers
 * that arrive out of order, aborts a superseded request. Call it during
 * component initialisation (it owns an `$effect`).
 */
import { errorMessage } from './graphql.ts';
import { refresh } from './refresh.svelte.ts';

export interface QueryState<T> {
  data: T | undefined;
  error: string | undefined;
  /** True while a request is in flight (first load or refresh). */
  loading: boolean;
}

export function useQuery<T>(load: (signal: AbortSignal) => Promise<T>): QueryState<T> {
  const state: QueryState<T> = $state({ data: undefined, error: undefined, loading: true });
  let sequence = 0;
  $effect(() => {
    void refresh.tick;
    const id = ++sequence;
    const controller = new AbortController();
    state.loading = true;
    load(controller.signal).then(
      (data) => {
        if (id !== sequence) return;
        state.data = data;
        state.error = undefined;
        state.loading = false;
        refresh.markUpdated();
      },
      (error: unknown) => {
        if (id !== sequence || controller.signal.aborted) return;
        state.error = errorMessage(error);
        state.loading = false;
      },
    );
    return () => controller.abort();
  });
  return state;
}
