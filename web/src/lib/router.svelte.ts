/**
 * Hash routing: `#/<page>?<filters>`, e.g. `#/anomalies?type=BOT_LIKE&sort=clicks`.
 * The URL is the state: a page change is a new history entry (back works),
 * a filter change replaces the current one (no history spam), and a pasted
 * link opens the same view.
 */
export const PAGES = [
  { id: 'overview', title: 'Overview' },
  { id: 'anomalies', title: 'Anomalies' },
  { id: 'daily', title: 'Daily metrics' },
  { id: 'funnel', title: 'Funnel' },
  { id: 'popular', title: 'Popular items' },
  { id: 'pipeline', title: 'Pipeline' },
] as const;

export type PageId = (typeof PAGES)[number]['id'];

export interface Route {
  page: PageId;
  params: Record<string, string>;
}

export function parseHash(hash: string): Route {
  const body = hash.replace(/^#\/?/, '');
  const [path = '', search = ''] = body.split('?', 2);
  const page = (PAGES.find((p) => p.id === path)?.id ?? 'overview') as PageId;
  const params: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(search)) if (value !== '') params[key] = value;
  return { page, params };
}

export function formatHash(route: Route): string {
  const entries = Object.entries(route.params).filter(([, v]) => v !== '' && v !== undefined);
  entries.sort(([a], [b]) => a.localeCompare(b));
  const search = new URLSearchParams(entries).toString();
  return `#/${route.page}${search ? `?${search}` : ''}`;
}

class Router {
  route = $state<Route>(parseHash(location.hash));

  constructor() {
    addEventListener('hashchange', () => {
      this.route = parseHash(location.hash);
    });
  }

  /** Another page (new history entry); its filters start from `params`. */
  go(page: PageId, params: Record<string, string> = {}): void {
    location.hash = formatHash({ page, params });
  }

  /** Changes some filters of the current page in place; `undefined` or '' removes one. */
  setParams(changes: Record<string, string | undefined>): void {
    const params = { ...this.route.params };
    for (const [key, value] of Object.entries(changes)) {
      if (value === undefined || value === '') delete params[key];
      else params[key] = value;
    }
    const next = { page: this.route.page, params };
    history.replaceState(history.state, '', formatHash(next));
    this.route = next;
  }

  param(name: string): string | undefined {
    return this.route.params[name];
  }
}

export const router = new Router();
