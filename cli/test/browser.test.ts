import { describe, expect, it } from 'vitest';
import { openBrowser } from '../src/commands/tap/browser.ts';

describe('opening the tap page', () => {
  it('prints instead of opening on a headless box (no $BROWSER, no display)', () => {
    expect(openBrowser('http://localhost/tap/mint/x', {})).toBe(false);
  });

  it('uses $BROWSER when set', () => {
    expect(openBrowser('http://localhost/tap/mint/x', { BROWSER: 'true' })).toBe(true);
  });
});
