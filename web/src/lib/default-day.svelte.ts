/**
 * The day a page shows when its URL names none, from the data clock (SPEC
 * §7): the data clock's own day is still filling, so the default is the day
 * before it — the latest one the nightly rollup has closed.
 */
import { fetchDataClock } from '../api/system.ts';
import { addDays } from './format.ts';
import { errorMessage } from './graphql.ts';

export interface DefaultDay {
  /** Day before the data clock's day; undefined until known. */
  value: string | undefined;
  /** The data clock's own day. */
  clockDay: string | undefined;
  error: string | undefined;
}

/** Reads the data clock once (call during component initialisation). */
export function useDefaultDay(): DefaultDay {
  const state: DefaultDay = $state({ value: undefined, clockDay: undefined, error: undefined });
  fetchDataClock().then(
    (clock) => {
      const day = clock.date ?? new Date().toISOString().slice(0, 10);
      state.clockDay = day;
      state.value = addDays(day, -1);
    },
    (error: unknown) => {
      state.error = errorMessage(error);
    },
  );
  return state;
}
