import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

const ARTIFACTS = fileURLToPath(new URL('../../.test-artifacts/pages/', import.meta.url));

/**
 * The facts a request page shows, read the way assistive technology reads them: the
 * `term`/`definition` pairs of its description list (its ARIA roles), label → value.
 *
 * @example
 * ```ts
 * expect(await pageFacts(page)).toMatchObject({ Scope: 'deploy:canary' });
 * ```
 */
export async function pageFacts(page: Page): Promise<Record<string, string>> {
  const terms = await page.getByRole('term').allTextContents();
  const definitions = await page.getByRole('definition').allTextContents();
  expect(definitions.length).toBe(terms.length);
  return Object.fromEntries(terms.map((t, i) => [t, definitions[i]!]));
}

/**
 * Checks what every request page must offer a keyboard and a screen reader: `lang`, one
 * `h1`, the facts as a labelled region, a polite live status region, and (when `button` is
 * given) that Tab reaches the button first; then saves a full-page screenshot as
 * `.test-artifacts/pages/<name>.png` and returns the page's accessibility snapshot.
 *
 * @example
 * ```ts
 * const aria = await checkPage(page, 'tap-mint-pending', { heading: 'Approve this token', button: 'Approve with passkey' });
 * ```
 */
export async function checkPage(
  page: Page,
  name: string,
  expected: { heading: string; button?: string },
): Promise<string> {
  expect(await page.locator('html').getAttribute('lang')).toBe('en');
  await expect
    .poll(() => page.getByRole('heading', { level: 1 }).textContent())
    .toBe(expected.heading);
  expect(await page.getByRole('region', { name: 'What this request asks for' }).count()).toBe(1);
  const status = page.getByRole('status');
  expect(await status.getAttribute('aria-live')).toBe('polite');
  if (expected.button) {
    const button = page.getByRole('button', { name: expected.button });
    await expect.poll(() => button.isEnabled()).toBe(true);
    await page.locator('body').focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.id')).toBe(await button.getAttribute('id'));
  }
  await mkdir(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  const png = await page.screenshot({ path, fullPage: true });
  expect(png.length).toBeGreaterThan(5_000);
  return page.locator('main').ariaSnapshot();
}
