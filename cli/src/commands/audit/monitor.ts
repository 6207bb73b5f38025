import { renderResult } from '@frostmint/client/cli-kit';
import { encodeBase64 } from '@frostmint/core';
import type { Command } from 'commander';
import { type FollowOptions, followCommand, monitorFor, observe, pause } from './follow.ts';

/**
 * `frostmint audit monitor`: follows the log's checkpoint, verifies each one (quorum
 * signature, required witnesses) and its consistency with every checkpoint seen before
 * (entries read from the tiles, RFC 9162 consistency proofs). Prints one line per new
 * checkpoint; on a fork prints both checkpoints and exits 19 (`audit_fork_detected`).
 *
 * @example
 * ```sh
 * frostmint audit monitor --coordinator https://mint.example --interval 10
 * ```
 */
export function monitorCommand(): Command {
  return followCommand('monitor')
    .description(
      'Follow the checkpoints, check each against every one seen before; exit 19 on a fork',
    )
    .action(async (options: FollowOptions) => {
      const monitor = await monitorFor(options);
      for (;;) {
        const observed = await observe(monitor, options);
        if (!observed) {
          await pause(options.interval);
          continue;
        }
        if (observed.fresh || options.once) {
          const { size, root } = observed.checkpoint;
          const seen = monitor.checkpoints.length;
          const result = {
            size,
            root: encodeBase64(root),
            witnesses: observed.witnesses,
            new_entries: observed.entries.length,
            checkpoints_seen: seen,
            consistent: true,
          };
          const text = `checkpoint size ${size} root ${result.root}: consistent with ${seen - 1} earlier (witnesses: ${observed.witnesses.join(', ') || 'none'})`;
          process.stdout.write(renderResult({ text, json: result }, options.format!));
        }
        if (options.once) return;
        await pause(options.interval);
      }
    });
}
