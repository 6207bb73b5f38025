import { describe, expect, it } from 'vitest';
import { MAX_REMEMBERED_EVIDENCE, ReplayWindow } from '../src/webauthn/replay-window.ts';

describe('signer replay window', () => {
  it('refuses a key while it is remembered and accepts it again after it expired', () => {
    let now = 1_000;
    const window = new ReplayWindow(() => now);
    window.rememberOnce('webauthn:a', 2_000);
    expect(() => window.rememberOnce('webauthn:a', 2_000)).toThrow(
      expect.objectContaining({ code: 'evidence_replayed' }),
    );
    window.rememberOnce('webauthn:b', 2_000);
    now = 2_000;
    expect(() => window.rememberOnce('webauthn:a', 3_000)).not.toThrow();
  });

  it('is bounded: drops expired keys when full, and fails closed when it cannot', () => {
    let now = 0;
    const window = new ReplayWindow(() => now);
    for (let i = 0; i < MAX_REMEMBERED_EVIDENCE; i++)
      window.rememberOnce(`k${i}`, i < 10 ? 5 : 1_000);
    expect(() => window.rememberOnce('one-more', 1_000)).toThrow(
      expect.objectContaining({ code: 'replay_window_full' }),
    );
    now = 10;
    window.rememberOnce('one-more', 1_000);
    expect(window.size).toBe(MAX_REMEMBERED_EVIDENCE - 10 + 1);
    expect(() => window.rememberOnce('k500', 1_000)).toThrow(
      expect.objectContaining({ code: 'evidence_replayed' }),
    );
  });
});
