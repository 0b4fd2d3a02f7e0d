/**
 * `sophtron-sync unlock`: releases the family's sync lock when its holder cannot release it (a
 * machine that went away, a process killed on another host), after showing who holds it. A holder
 * still running on this machine is left alone unless --force; one that is gone here needs no
 * unlock (the next sync takes its lock over), but may be released too.
 */
import type { Command } from 'commander';
import { hostname } from 'node:os';
import {
  familySyncLock,
  forceReleaseLock,
  holderIsGone,
  holderText,
  ownerParts,
} from '../store/family-lock.js';
import { withCliContext } from './context.js';
import { CliError } from './errors.js';

const utc = (iso: string) => `${iso.slice(0, 19).replace('T', ' ')} UTC`;

export function register(program: Command): void {
  program
    .command('unlock')
    .description(
      "Release the family's sync lock held by a process that cannot release it (shows who holds it first).",
    )
    .option('--force', 'release it even when its holder is still running on this machine')
    .action(async (flags: { force?: boolean }) => {
      await withCliContext({}, async (ctx) => {
        const name = familySyncLock(ctx.family.id);
        const holder = await ctx.store.lockHolder(name);
        if (!holder) {
          process.stdout.write('no sync of this family holds the lock\n');
          return;
        }
        const here = ownerParts(holder.owner).host === hostname();
        process.stdout.write(
          `held by ${holderText(holder.owner)} since ${utc(holder.acquiredAt)} (expires ${utc(holder.expiresAt)} unless renewed)\n`,
        );
        if (here && !holderIsGone(holder) && !flags.force) {
          throw new CliError(
            `${holderText(holder.owner)} is still running on this machine; stop it, or use --force to release its lock anyway`,
          );
        }
        const released = await forceReleaseLock(ctx.store, name);
        if (!released) {
          process.stdout.write('released by its holder meanwhile\n');
          return;
        }
        const interrupted = await ctx.store.failInterruptedRuns(
          ctx.family.id,
          new Date(Date.now() + 1).toISOString(),
          `interrupted: its lock (${holderText(released.owner)}) was released with \`unlock\` at ${utc(new Date().toISOString())}`,
        );
        process.stdout.write(
          `released${interrupted > 0 ? `; ${interrupted} run${interrupted === 1 ? '' : 's'} left running marked interrupted` : ''}\n`,
        );
      });
    });
}
