import { Command } from 'commander';
import { exportCommand } from './export.ts';
import { monitorCommand } from './monitor.ts';
import { tailCommand } from './tail.ts';
import { verifyCommand } from './verify.ts';

/**
 * `frostmint audit`: the transparency log from outside — `verify` a receipt offline, `tail`
 * the entries, `monitor` the checkpoints for forks, `export` the tiles to WORM storage
 * (docs/audit.md).
 *
 * @example
 * ```sh
 * frostmint audit verify --receipt receipt.json --jwks https://mint.example/.well-known/jwks.json
 * ```
 */
export function auditCommand(): Command {
  return new Command('audit')
    .description(
      'Transparency log: verify receipts, tail entries, monitor for forks, export to WORM storage',
    )
    .addCommand(verifyCommand())
    .addCommand(tailCommand())
    .addCommand(monitorCommand())
    .addCommand(exportCommand());
}
