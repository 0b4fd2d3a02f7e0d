/**
 * `sophtron-sync db copy --to postgres://…`: moves the SQLite ledger up to PostgreSQL (src/store/copy.ts),
 * printing each table's rows and checksum on both sides. Stop `serve` and any other process using
 * the SQLite file first: the copy waits for their writes and they wait for it.
 */
import type { Command } from 'commander';
import { join } from 'node:path';
import { loadConfig } from '../config.js';
import { parseDatabaseUrl, redactDatabaseUrl } from '../database-url.js';
import { DATABASE_FILE } from '../store/database.js';
import { CopyRefusedError, copySqliteLedgerToPostgres, type TableCopyReport } from '../store/copy.js';
import { DatabaseConnectError } from '../store/postgres.js';
import { openStore, SecretKeyError } from '../store/index.js';
import { CliError } from './errors.js';

export function register(program: Command): void {
  const db = program.command('db').description('The ledger database itself.');
  db.command('copy')
    .description(
      'Copy the SQLite ledger into an empty PostgreSQL database (row counts and checksums compared per table).',
    )
    .requiredOption('--to <url>', 'postgres://user:password@host:5432/database (must be empty)')
    .action(async (opts: { to: string }) => {
      const config = loadConfig();
      const from = parseDatabaseUrl(config.databaseUrl);
      if (from.kind !== 'sqlite')
        throw new CliError(
          'db copy reads the SQLite ledger: unset DATABASE_URL (or set it to sqlite:<file>)',
        );
      const sourceFile = from.filename ?? join(config.dataDir, DATABASE_FILE);
      const out = (line: string) => process.stdout.write(`${line}\n`);
      out(`copying ${sourceFile} → ${redactDatabaseUrl(opts.to)}`);
      out(row('table', 'rows (SQLite → PostgreSQL)', 'checksum'));
      let reports: TableCopyReport[];
      try {
        reports = await copySqliteLedgerToPostgres({
          sourceFile,
          targetUrl: opts.to,
          onTable: (r) =>
            out(row(r.table, `${r.sourceRows} → ${r.targetRows}`, `${r.sourceChecksum.slice(0, 16)} same`)),
        });
      } catch (err) {
        if (err instanceof CopyRefusedError || err instanceof DatabaseConnectError)
          throw new CliError(err.message);
        throw err;
      }
      const rows = reports.reduce((n, r) => n + r.sourceRows, 0);
      out(`copied ${reports.length} tables, ${rows} rows: every count and checksum matches`);
      // The stored secrets were copied sealed: the key that sealed them must open the copy.
      try {
        const store = await openStore(
          { ...config, databaseUrl: opts.to },
          { onKeyGenerated: () => undefined },
        );
        await store.close();
        out('the secret key opens the copied secrets');
      } catch (err) {
        if (err instanceof SecretKeyError)
          throw new CliError(`copied, but the secret key in use does not open the copy: ${err.message}`);
        throw err;
      }
      out(
        `next: stop using ${sourceFile}, set DATABASE_URL to the PostgreSQL address and start serve (and workers)`,
      );
    });
}

const row = (table: string, rows: string, checksum: string) =>
  `${table.padEnd(24)} ${rows.padEnd(28)} ${checksum}`;
