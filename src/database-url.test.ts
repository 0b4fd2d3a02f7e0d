import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';
import { parseDatabaseUrl, redactDatabaseUrl } from './database-url.js';

describe('DATABASE_URL', () => {
  it('chooses SQLite when unset or sqlite:<file>, PostgreSQL for postgres:// and postgresql://', () => {
    expect(parseDatabaseUrl(undefined)).toEqual({ kind: 'sqlite' });
    expect(parseDatabaseUrl('  ')).toEqual({ kind: 'sqlite' });
    expect(parseDatabaseUrl('sqlite:/srv/ledger.sqlite')).toEqual({
      kind: 'sqlite',
      filename: '/srv/ledger.sqlite',
    });
    expect(parseDatabaseUrl('postgres://u:p@db:5432/ledger')).toEqual({
      kind: 'postgres',
      url: 'postgres://u:p@db:5432/ledger',
    });
    expect(parseDatabaseUrl('postgresql://db/ledger').kind).toBe('postgres');
  });

  it('stops at start naming the setting, without printing its value (it may hold a password)', () => {
    const bad = () => loadConfig({ DATABASE_URL: 'mysql://root:hunter2@db/ledger' });
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow(/DATABASE_URL: must be sqlite:<file> or postgres:\/\//);
    expect(bad).not.toThrow(/hunter2/);
    expect(loadConfig({ DATABASE_URL: 'postgres://u@db/x', DATABASE_POOL_SIZE: '4' })).toMatchObject({
      databaseUrl: 'postgres://u@db/x',
      databasePoolSize: 4,
    });
    expect(() => loadConfig({ DATABASE_POOL_SIZE: '0' })).toThrow(/DATABASE_POOL_SIZE/);
  });

  it('shows an address without its password', () => {
    expect(redactDatabaseUrl('postgres://sync:hunter2@db:5432/ledger')).toBe(
      'postgres://sync:***@db:5432/ledger',
    );
  });
});
