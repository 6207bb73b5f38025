import { describe, expect, it } from 'vitest';
import { GroupCommitter } from '../../src/storage/group-commit.ts';

describe('GroupCommitter', () => {
  it('splits a burst into groups of at most maxGroup, in submission order', async () => {
    const groups: number[][] = [];
    const committer = new GroupCommitter<number, string>({
      maxGroup: 4,
      commit: async (items) => {
        groups.push([...items]);
        return items.map((n) => `#${n}`);
      },
    });
    const results = await Promise.all(Array.from({ length: 10 }, (_, n) => committer.submit(n)));
    expect(results).toEqual(Array.from({ length: 10 }, (_, n) => `#${n}`));
    expect(groups).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
    expect(committer.stats()).toEqual({ items: 10, commits: 3 });
  });

  it('fails the whole group closed when a commit answers for the wrong number of items', async () => {
    const committer = new GroupCommitter<number, number>({
      commit: async (items) => items.slice(1),
    });
    const settled = await Promise.allSettled([committer.submit(1), committer.submit(2)]);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    expect(committer.stats()).toEqual({ items: 0, commits: 0 });
  });

  it('keeps serving after a failed group', async () => {
    let fail = true;
    const committer = new GroupCommitter<number, number>({
      commit: async (items) => {
        if (fail) throw new Error('disk full');
        return [...items];
      },
    });
    await expect(committer.submit(1)).rejects.toThrow('disk full');
    fail = false;
    expect(await committer.submit(2)).toBe(2);
  });
});
