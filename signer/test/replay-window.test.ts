import { describe, expect, it } from 'vitest';
import { ReplayWindow } from '../src/evidence/replay-window.ts';

describe('signer replay window: evidence usable once (WebAuthn taps, enrollment ids)', () => {
  it('refuses a key while it is remembered, even for the same token, and accepts it after expiry', () => {
    const window = new ReplayWindow({ capacity: 10 });
    window.rememberOnce('webauthn:a', 2, 1);
    expect(() => window.rememberOnce('webauthn:a', 2, 1)).toThrow(
      expect.objectContaining({ code: 'evidence_replayed' }),
    );
    window.rememberOnce('webauthn:b', 2, 1);
    expect(() => window.rememberOnce('webauthn:a', 3, 3)).not.toThrow();
  });

  it('is bounded: drops expired keys when full, and fails closed when it cannot', () => {
    const window = new ReplayWindow({ capacity: 100 });
    for (let i = 0; i < 100; i++) window.rememberOnce(`k${i}`, i < 10 ? 5 : 1_000, 0);
    expect(() => window.rememberOnce('one-more', 1_000, 0)).toThrow(
      expect.objectContaining({ code: 'replay_window_full' }),
    );
    window.rememberOnce('one-more', 1_000, 10);
    expect(window.size).toBe(100 - 10 + 1);
    expect(() => window.rememberOnce('k50', 1_000, 10)).toThrow(
      expect.objectContaining({ code: 'evidence_replayed' }),
    );
  });
});
