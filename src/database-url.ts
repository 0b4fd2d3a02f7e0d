/**
 * DATABASE_URL: which database holds the ledger. Unset → the SQLite file in DATA_DIR;
 * `sqlite:<path>` → that SQLite file; `postgres://…` or `postgresql://…` → PostgreSQL.
 */
export type DatabaseTarget = { kind: 'sqlite'; filename?: string } | { kind: 'postgres'; url: string };

export function parseDatabaseUrl(url: string | undefined): DatabaseTarget {
  if (url === undefined || url.trim() === '') return { kind: 'sqlite' };
  const value = url.trim();
  if (/^postgres(ql)?:\/\//i.test(value)) {
    try {
      new URL(value);
    } catch {
      throw new Error('DATABASE_URL is not a valid postgres:// address');
    }
    return { kind: 'postgres', url: value };
  }
  const m = /^sqlite:(?:\/\/)?(.+)$/i.exec(value);
  if (m) return { kind: 'sqlite', filename: m[1] };
  throw new Error(
    'DATABASE_URL must be sqlite:<file> or postgres://user:password@host:5432/database (or be unset for the SQLite file in DATA_DIR)',
  );
}

/** The address without its password, to show in messages and logs. */
export function redactDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the DATABASE_URL';
  }
}
