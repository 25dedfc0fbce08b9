/**
 * Debian's Chromium driven by playwright-core (no browser download): headless,
 * a fresh profile per launch, and the flags this machine needs (no sandbox as
 * root; no background networking, QUIC, sync or component updates, which
 * would only knock on a closed network). Every page records its console
 * errors, uncaught exceptions and failed requests so that a test can assert
 * there were none.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export interface BrowserSession {
  browser: Browser;
  context: BrowserContext;
  close(): Promise<void>;
}

/** Launches Chromium with a new, empty user-data-dir (removed by `close`). */
export async function launchBrowser(viewport = { width: 1280, height: 900 }): Promise<BrowserSession> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM_PATH}: run \`apt-get install -y chromium\` (stack/run-tests.sh does it)`);
  }
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'guardian-chromium-'));
  // A persistent context is how playwright takes a user-data-dir; it is fresh, so nothing carries over.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    locale: 'en-US',
    timezoneId: 'UTC',
    // Charts draw at once (no animation), so screenshots show the final picture.
    reducedMotion: 'reduce',
  });
  const browser = context.browser();
  return {
    browser: browser!,
    context,
    async close() {
      await context.close().catch(() => undefined);
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface PageProblems {
  /** console.error messages, uncaught exceptions and failed requests, in order. */
  list: string[];
  /** Ignores problems matching `pattern` from now on (e.g. while the gateway is stopped on purpose). */
  allow(pattern: RegExp): void;
}

/** Starts recording a page's console errors, page errors and failed requests. */
export function watchProblems(page: Page): PageProblems {
  const allowed: RegExp[] = [];
  const list: string[] = [];
  const add = (text: string) => {
    if (!allowed.some((pattern) => pattern.test(text))) list.push(text);
  };
  page.on('console', (message) => {
    if (message.type() === 'error') add(`console.error: ${message.text()}`);
  });
  page.on('pageerror', (error) => add(`page error: ${error.message}`));
  page.on('requestfailed', (request) => {
    const failure = request.failure()?.errorText ?? '';
    // A request the page itself cancelled (a superseded query, the live feed closing on navigation) is not a problem.
    if (failure.includes('ERR_ABORTED')) return;
    add(`request failed: ${request.method()} ${request.url()} ${failure}`);
  });
  return { list, allow: (pattern) => allowed.push(pattern) };
}
