/** Reading the dashboard's DOM from a test: table cells, attributes, waiting for a panel. */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { PROJECT_ROOT } from '../../lib/config.ts';

export const SCREENSHOT_DIR = path.join(PROJECT_ROOT, 'artifacts/screenshots');

/** The trimmed text of every body cell of the table matching `selector`, row by row (hidden tables too). */
export async function tableRows(page: Page, selector: string): Promise<string[][]> {
  return page.locator(selector).first().evaluate((table) =>
    [...table.querySelectorAll('tbody tr')].map((row) => [...row.querySelectorAll('td')].map((cell) => (cell.textContent ?? '').replace(/\s+/g, ' ').trim())),
  );
}

/** Text of one element, whitespace collapsed. */
export async function text(page: Page, selector: string): Promise<string> {
  const content = await page.locator(selector).first().textContent();
  return (content ?? '').replace(/\s+/g, ' ').trim();
}

/** Waits until the panel `testid` has left its loading state; returns that state (`ready`, `empty`, `error`). */
export async function panelSettled(page: Page, testid: string, timeout = 30_000): Promise<string> {
  const panel = page.locator(`[data-testid="${testid}"]`);
  await panel.waitFor({ state: 'attached', timeout });
  await page.waitForFunction(
    (id) => {
      const el = document.querySelector(`[data-testid="${id}"]`);
      return el !== null && el.getAttribute('data-state') !== 'loading' && el.getAttribute('aria-busy') !== 'true';
    },
    testid,
    { timeout },
  );
  return (await panel.getAttribute('data-state')) ?? '';
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}
