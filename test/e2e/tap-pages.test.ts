import { SoftAuthenticator } from '@frostmint/test-support/webauthn';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InProcessStack, startInProcessStack } from '../support/in-process-stack.ts';
import { checkPage, pageFacts } from '../support/page-facts.ts';
import { completeMint, enrollSoft, prepareMint, relyingParty } from '../support/webauthn-flow.ts';

const ALICE = 'alice@example.com';
const TAP_WINDOW_SECONDS = 30; // the smallest challengeTtlSeconds a coordinator accepts

/**
 * The engineer's tap page in real headless Chromium, in each state a request goes through:
 * waiting for the tap, approved and issued, expired. Every state says in words who asks,
 * which scopes for which audience, for how long, why, the approvals and the time left; a
 * screenshot of each lands in .test-artifacts/pages/.
 */
describe('the tap page says what a tap approves (real Chromium, in-process coordinator)', () => {
  let stack: InProcessStack;
  let alice: SoftAuthenticator;
  let browser: Browser;
  let page: Page;
  let origin: string;

  beforeAll(async () => {
    stack = await startInProcessStack({ challengeTtlSeconds: TAP_WINDOW_SECONDS });
    alice = (await enrollSoft(stack, ALICE)).auth;
    origin = relyingParty(stack).origin;
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox'],
    });
    page = await (await browser.newContext({ viewport: { width: 900, height: 900 } })).newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.dispose();
  });

  const prepare = async (justification: string) => {
    const prepared = await prepareMint(stack, { user: ALICE, ttl: 600, justification });
    expect(prepared.status, JSON.stringify(prepared.body)).toBe(201);
    return prepared.body;
  };
  const open = async (id: string) => {
    await page.goto(`${origin}/tap/mint/${id}`);
    await expect.poll(() => page.getByRole('term').count()).toBeGreaterThan(5);
  };

  it('shows a pending request in words, the button reachable by keyboard; then approved; then expired', async () => {
    const pending = await prepare('hotfix 1.4.2 for INC-4711');
    const preparedAt = Date.now();
    await open(pending.request_id);
    const aria = await checkPage(page, 'tap-mint-pending', {
      heading: 'Approve this token',
      button: 'Approve with passkey',
    });
    const facts = await pageFacts(page);
    expect(facts).toMatchObject({
      'Requested by': ALICE,
      Scope: 'deploy:canary',
      'For the service (audience)': 'deploy-api',
      'Valid for': '10 minutes after issue',
      Justification: 'hotfix 1.4.2 for INC-4711',
      'Guardian approvals': 'none needed',
      Status: 'waiting for your tap',
    });
    expect(facts['Time left']).toMatch(
      /^(\d+ seconds?|1 minute( \d+ seconds?)?) left \(until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\)$/,
    );
    expect(await page.getByText(/Approve this exact token for alice@example\.com/).count()).toBe(1);
    // Facts, not a JSON dump.
    expect(await page.locator('pre').count()).toBe(0);
    expect(await page.locator('main').textContent()).not.toMatch(/[{}"]/);
    expect(aria).toContain('- heading "Approve this token" [level=1]');
    expect(aria).toContain('- term: Scope');
    expect(aria).toContain('- definition: deploy:canary');
    expect(aria).toContain('- button "Approve with passkey"');

    // Approved: another request, tapped (software authenticator over the API), then shown.
    const other = await prepare('rotate the canary key');
    const tap = SoftAuthenticator.toJson(
      alice.assert(Buffer.from(other.public_key.challenge, 'base64url')),
    );
    const done = await completeMint(stack, other.request_id, tap);
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    await open(other.request_id);
    await expect
      .poll(() => page.getByRole('status').textContent())
      .toBe('This request is approved and issued.');
    await checkPage(page, 'tap-mint-approved', { heading: 'Approve this token' });
    expect(await pageFacts(page)).toMatchObject({
      'Requested by': ALICE,
      Justification: 'rotate the canary key',
      Status: 'approved and issued',
    });
    expect(await page.getByRole('button', { name: 'Approve with passkey' }).isDisabled()).toBe(
      true,
    );

    // Expired: the first request, once its tap window is over.
    await new Promise((r) =>
      setTimeout(r, Math.max(0, preparedAt + (TAP_WINDOW_SECONDS + 1) * 1000 - Date.now())),
    );
    await open(pending.request_id);
    await expect
      .poll(() => page.getByRole('status').textContent())
      .toBe('This request is expired: it can no longer be approved.');
    await checkPage(page, 'tap-mint-expired', { heading: 'Approve this token' });
    expect(await pageFacts(page)).toMatchObject({
      Scope: 'deploy:canary',
      Status: 'expired: it can no longer be approved',
    });
    expect(await page.getByRole('button', { name: 'Approve with passkey' }).isDisabled()).toBe(
      true,
    );
  });

  it('shows hostile request text as text, never as markup', async () => {
    const hostile = '<img src=x onerror="document.title=1"> & <b>bold</b>';
    const prepared = await prepare(hostile);
    await open(prepared.request_id);
    expect((await pageFacts(page)).Justification).toBe(hostile);
    expect(await page.locator('main img, main b').count()).toBe(0);
    expect(await page.title()).toBe('frostmint — approve a token');
  });
});
