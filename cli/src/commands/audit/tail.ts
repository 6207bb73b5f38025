import { renderResult } from '@frostmint/client/cli-kit';
import type { Command } from 'commander';
import { type FollowOptions, followCommand, monitorFor, observe, pause } from './follow.ts';
import { count } from './keys.ts';

interface TailOptions extends FollowOptions {
  from?: number;
}

/**
 * `frostmint audit tail`: prints the log's entries as checkpoints cover them (every
 * checkpoint verified and checked for consistency like `monitor`). Text: `<index> <entry
 * JSON>` per line; json: one `{"index", "entry"}` document per line, or with `--once` one
 * `{"size", "entries"}` document.
 *
 * @example
 * ```sh
 * frostmint audit tail --coordinator https://mint.example --from 0
 * ```
 */
export function tailCommand(): Command {
  return followCommand('tail')
    .description('Print new log entries as checkpoints cover them (verified like monitor)')
    .option('--from <index>', 'first entry to print (default: the entries after now)', count)
    .action(async (options: TailOptions) => {
      const monitor = await monitorFor(options);
      const from = options.from;
      let first = true;
      for (;;) {
        const observed = await observe(monitor, options);
        if (!observed) {
          await pause(options.interval);
          continue;
        }
        const start = first && from === undefined ? observed.checkpoint.size : (from ?? 0);
        first = false;
        const entries = observed.entries
          .map((bytes, i) => ({ index: observed.firstIndex + i, bytes }))
          .filter(({ index }) => index >= start)
          .map(({ index, bytes }) => ({ index, entry: JSON.parse(Buffer.from(bytes).toString()) }));
        if (options.once) {
          const text = entries.map((e) => `${e.index} ${JSON.stringify(e.entry)}`).join('\n');
          const json = { size: observed.checkpoint.size, entries };
          process.stdout.write(renderResult({ text, json }, options.format!));
          return;
        }
        for (const e of entries) {
          const text = `${e.index} ${JSON.stringify(e.entry)}`;
          process.stdout.write(renderResult({ text, json: e }, options.format!));
        }
        await pause(options.interval);
      }
    });
}
