import { describe, expect, it } from 'vitest';
import { ReplayWindow } from '../../src/evidence/replay-window.ts';

describe("a signer's replay window", () => {
  it('accepts evidence again only for the same binding while it is remembered', () => {
    const window = new ReplayWindow({ capacity: 10 });
    window.remember('k', 'mint-a', 200, 100, 'evidence_replayed');
    expect(() => window.remember('k', 'mint-a', 200, 150, 'evidence_replayed')).not.toThrow();
    expect(() => window.remember('k', 'mint-b', 200, 150, 'evidence_replayed')).toThrow(
      expect.objectContaining({ code: 'evidence_replayed', status: 403 }),
    );
    expect(() => window.remember('k', 'mint-b', 400, 201, 'evidence_replayed')).not.toThrow();
  });

  it('check refuses a replay but records nothing, so evidence is spent only by remember', () => {
    const window = new ReplayWindow({ capacity: 10 });
    expect(window.check('k', 'mint-a', 100, 'evidence_replayed')).toBe(true);
    expect(window.check('k', 'mint-b', 100, 'evidence_replayed')).toBe(true);
    expect(window.size).toBe(0);
    window.remember('k', 'mint-a', 200, 100, 'evidence_replayed');
    expect(window.check('k', 'mint-a', 150, 'evidence_replayed')).toBe(false);
    expect(() => window.check('k', 'mint-b', 150, 'evidence_replayed')).toThrow(
      expect.objectContaining({ code: 'evidence_replayed', status: 403 }),
    );
    expect(window.check('k', 'mint-b', 201, 'evidence_replayed')).toBe(true);
  });

  it('refuses new evidence when full of live entries instead of forgetting early, and sweeps expired ones', () => {
    const window = new ReplayWindow({ capacity: 2 });
    window.remember('a', 'x', 200, 100, 'evidence_replayed');
    window.remember('b', 'x', 300, 100, 'evidence_replayed');
    expect(() => window.remember('c', 'x', 300, 150, 'evidence_replayed')).toThrow(
      expect.objectContaining({ code: 'replay_window_full', status: 503 }),
    );
    expect(() => window.remember('a', 'y', 300, 150, 'evidence_replayed')).toThrow(
      expect.objectContaining({ code: 'evidence_replayed' }),
    );
    window.remember('c', 'x', 300, 250, 'evidence_replayed');
    expect(window.size).toBe(2);
  });
});
