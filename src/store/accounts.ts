// Long because: provider accounts, ledger accounts and the link between them are one repository: linking, relinking and overrides touch both tables in one transaction.
/**
 * Provider accounts (as Sophtron reports them) and ledger accounts (what the family syncs), and the
 * link between them. Every function is scoped by family: another family's ids find nothing.
 */
import { accountsWithSource } from './account-views.js';
import type { Selectable } from 'kysely';
import type { ProviderAccountData } from '../domain/types.js';
import { defaultBalanceRule, defaultCurrency, defaultKind, isCurrencyCode } from './account-rules.js';
import type { AccountKind, AccountsTable, BalanceRule, ProviderAccountsTable } from './schema.js';
import { inTransaction, newId, nowIso, StoreError, type Db } from './util.js';

export type ProviderAccount = Selectable<ProviderAccountsTable>;
export type Account = Selectable<AccountsTable>;

export interface ProviderAccountListing extends ProviderAccount {
  institution_name: string;
  user_institution_id: string;
  connection_status: string;
  /** The ledger account linked to it, if any. Unlinked provider accounts are listed, not synced. */
  account: Account | null;
}

/** A linked account with what the sync engine needs to fetch it. */
export interface SyncableAccount extends Account {
  provider_account_id: string;
  sophtron_account_id: string;
  connection_id: string;
  user_institution_id: string;
  connection_status: string;
  institution_name: string;
}

export interface LinkOptions {
  kind?: AccountKind;
  currency?: string;
  name?: string;
  balanceRule?: BalanceRule;
  /** First day the first sync reads (YYYY-MM-DD). */
  startDate?: string | null;
  /**
   * Link into this existing, unlinked account of the family (its history continues, e.g. after a
   * bank login was created again at Sophtron) instead of a new one. Added by the web module.
   */
  intoAccountId?: string;
}

export interface LinkDefaults {
  kind: AccountKind;
  currency: string;
  name: string;
  balanceRule: BalanceRule;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** remote_status of a provider account Sophtron no longer lists for its connection. */
export const GONE = 'gone';

function checkDate(d: string, field: string): void {
  const t = Date.parse(`${d}T00:00:00Z`);
  if (!DATE.test(d) || Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== d) {
    throw new StoreError(`${field}: must be a calendar date YYYY-MM-DD (got ${JSON.stringify(d)})`);
  }
}

/** What linking chooses when the user does not. */
export function linkDefaults(
  providerAccount: Pick<ProviderAccount, 'type' | 'name' | 'number_mask' | 'currency_hint'>,
  countryCode: string | null,
): LinkDefaults {
  const kind = defaultKind(providerAccount.type);
  return {
    kind,
    balanceRule: defaultBalanceRule(kind),
    currency: defaultCurrency(providerAccount.currency_hint, countryCode),
    name: providerAccount.name,
  };
}

export function accountsRepository(db: Db) {
  const providerAccountListing = (familyId: string) => providerAccountQuery(db, familyId);

  const getAccount = (familyId: string, accountId: string): Promise<Account | undefined> =>
    db
      .selectFrom('accounts')
      .selectAll()
      .where('family_id', '=', familyId)
      .where('id', '=', accountId)
      .executeTakeFirst();

  const findProviderAccount = (familyId: string, ref: string) => findProviderAccountIn(db, familyId, ref);

  const accountForProvider = (familyId: string, providerAccountId: string) =>
    db
      .selectFrom('accounts')
      .selectAll()
      .where('family_id', '=', familyId)
      .where('provider_account_id', '=', providerAccountId)
      .executeTakeFirst();

  return {
    getAccount,

    async listAccounts(familyId: string, options: { linkedOnly?: boolean } = {}): Promise<Account[]> {
      let q = db.selectFrom('accounts').selectAll().where('family_id', '=', familyId);
      if (options.linkedOnly) q = q.where('provider_account_id', 'is not', null);
      return q.orderBy('name').orderBy('id').execute();
    },

    /** Linked accounts with their Sophtron ids: what a sync reads. */
    async listSyncableAccounts(familyId: string, accountIds?: string[]): Promise<SyncableAccount[]> {
      let q = accountsWithSource(db, familyId)
        .selectAll('accounts')
        .select([
          'provider_accounts.sophtron_account_id',
          'provider_accounts.connection_id',
          'connections.user_institution_id',
          'connections.status as connection_status',
          'connections.institution_name',
        ])
        .where('provider_accounts.id', 'is not', null)
        .where('connections.id', 'is not', null);
      if (accountIds) {
        if (accountIds.length === 0) return [];
        q = q.where('accounts.id', 'in', accountIds);
      }
      const rows = await q.orderBy('accounts.name').orderBy('accounts.id').execute();
      return rows as SyncableAccount[];
    },

    async getProviderAccount(familyId: string, ref: string): Promise<ProviderAccountListing | undefined> {
      const row = await findProviderAccount(familyId, ref);
      if (!row) return undefined;
      const { country_code: _cc, ...rest } = row;
      return { ...rest, account: (await accountForProvider(familyId, row.id)) ?? null };
    },

    /** Every provider account of the family (optionally one connection's), with its linked account. */
    async listProviderAccounts(
      familyId: string,
      options: { connectionId?: string } = {},
    ): Promise<ProviderAccountListing[]> {
      let q = providerAccountListing(familyId);
      if (options.connectionId) q = q.where('provider_accounts.connection_id', '=', options.connectionId);
      const rows = await q
        .orderBy('connections.institution_name')
        .orderBy('provider_accounts.name')
        .orderBy('provider_accounts.id')
        .execute();
      const accounts = await db
        .selectFrom('accounts')
        .selectAll()
        .where('family_id', '=', familyId)
        .where('provider_account_id', 'is not', null)
        .execute();
      const byProvider = new Map(accounts.map((a) => [a.provider_account_id!, a]));
      return rows.map(({ country_code: _cc, ...r }) => ({ ...r, account: byProvider.get(r.id) ?? null }));
    },

    /**
     * Records what Sophtron reported for a connection's accounts. A balance Sophtron did not send
     * keeps the last known one (a gap is not a zero). Returns the stored rows, in input order; an
     * unknown or other family's connection stores nothing.
     *
     * With `complete: true` (the list is every account of the connection, as listAccounts gives),
     * the connection's accounts missing from it are marked `remote_status = 'gone'`: kept (a linked
     * one keeps its history) but shown as gone instead of lingering as if still there.
     */
    async upsertProviderAccounts(
      familyId: string,
      connectionId: string,
      accounts: ProviderAccountData[],
      options: { complete?: boolean } = {},
    ): Promise<ProviderAccount[]> {
      return inTransaction(db, async (trx) => {
        const conn = await trx
          .selectFrom('connections')
          .select('id')
          .where('family_id', '=', familyId)
          .where('id', '=', connectionId)
          .executeTakeFirst();
        if (!conn) throw new StoreError(`connection ${connectionId} not found`, 'not_found');
        const now = nowIso();
        const out: ProviderAccount[] = [];
        for (const a of accounts) {
          await trx
            .insertInto('provider_accounts')
            .values({
              id: newId(),
              family_id: familyId,
              connection_id: connectionId,
              sophtron_account_id: a.accountId,
              name: a.name,
              number_mask: a.numberMask,
              raw_type: a.rawType,
              sub_type: a.subType,
              type: a.type,
              balance_minor: a.balance,
              available_minor: a.availableBalance,
              currency_hint: a.currencyHint,
              last_seen_at: now,
              remote_status: a.status,
              due_date: a.dueDate,
              last_updated: a.lastUpdated,
            })
            .onConflict((oc) =>
              oc.columns(['family_id', 'sophtron_account_id']).doUpdateSet((eb) => ({
                connection_id: connectionId,
                name: a.name,
                number_mask: a.numberMask,
                raw_type: a.rawType,
                sub_type: a.subType,
                type: a.type,
                balance_minor: eb.fn.coalesce(
                  eb.ref('excluded.balance_minor'),
                  eb.ref('provider_accounts.balance_minor'),
                ),
                available_minor: eb.fn.coalesce(
                  eb.ref('excluded.available_minor'),
                  eb.ref('provider_accounts.available_minor'),
                ),
                currency_hint: eb.fn.coalesce(
                  eb.ref('excluded.currency_hint'),
                  eb.ref('provider_accounts.currency_hint'),
                ),
                last_seen_at: now,
                remote_status: a.status,
                due_date: a.dueDate,
                last_updated: a.lastUpdated,
              })),
            )
            .execute();
          out.push(
            await trx
              .selectFrom('provider_accounts')
              .selectAll()
              .where('family_id', '=', familyId)
              .where('sophtron_account_id', '=', a.accountId)
              .executeTakeFirstOrThrow(),
          );
        }
        if (options.complete) {
          let gone = trx
            .updateTable('provider_accounts')
            .set({ remote_status: GONE })
            .where('family_id', '=', familyId)
            .where('connection_id', '=', connectionId);
          if (out.length > 0)
            gone = gone.where(
              'id',
              'not in',
              out.map((r) => r.id),
            );
          await gone.execute();
        }
        return out;
      });
    },

    /**
     * Links a provider account (our id or Sophtron's AccountID) to a ledger account. Re-linking a
     * provider account that was unlinked before reuses the old ledger account and its history.
     */
    async linkAccount(
      familyId: string,
      providerAccountRef: string,
      options: LinkOptions = {},
    ): Promise<{ account: Account; reused: boolean; defaults: LinkDefaults }> {
      return inTransaction(db, async (trx) => {
        const pa = await findProviderAccountIn(trx, familyId, providerAccountRef);
        if (!pa) {
          throw new StoreError(
            `no provider account ${JSON.stringify(providerAccountRef)} (see: sophtron-sync accounts list)`,
            'not_found',
          );
        }
        if (options.currency !== undefined && !isCurrencyCode(options.currency)) {
          throw new StoreError(
            `currency: must be an ISO 4217 code such as USD (got ${JSON.stringify(options.currency)})`,
          );
        }
        if (options.startDate) checkDate(options.startDate, 'start date');
        const existing = await accountForProviderIn(trx, familyId, pa.id);
        if (existing) {
          throw new StoreError(
            `provider account ${pa.sophtron_account_id} is already linked to account ${existing.id} (${existing.name}); unlink it first`,
            'conflict',
          );
        }
        const defaults = linkDefaults(pa, pa.country_code);
        const kind = options.kind ?? defaults.kind;
        const chosen = {
          name: options.name ?? defaults.name,
          kind,
          currency: options.currency ?? defaults.currency,
          // A kind chosen by the user brings that kind's rule, unless a rule was chosen too.
          balance_rule: options.balanceRule ?? defaultBalanceRule(kind),
        };
        const now = nowIso();
        let previousQuery = trx
          .selectFrom('accounts')
          .selectAll()
          .where('family_id', '=', familyId)
          .where('provider_account_id', 'is', null);
        previousQuery = options.intoAccountId
          ? previousQuery.where('id', '=', options.intoAccountId)
          : previousQuery.where('previous_sophtron_account_id', '=', pa.sophtron_account_id);
        const previous = await previousQuery.orderBy('updated_at', 'desc').executeTakeFirst();
        if (options.intoAccountId && !previous) {
          throw new StoreError(
            `account ${JSON.stringify(options.intoAccountId)} is not an unlinked account of this family`,
            'not_found',
          );
        }
        if (previous) {
          await trx
            .updateTable('accounts')
            .set({
              provider_account_id: pa.id,
              previous_sophtron_account_id: null,
              // The old account keeps its earlier choices unless the user makes new ones now;
              // the old history is in the old currency.
              name: options.name ?? previous.name,
              kind: options.kind ?? previous.kind,
              currency: options.currency ?? previous.currency,
              balance_rule:
                options.balanceRule ??
                (options.kind ? defaultBalanceRule(options.kind) : previous.balance_rule),
              sync_start_date: options.startDate !== undefined ? options.startDate : previous.sync_start_date,
              updated_at: now,
            })
            .where('id', '=', previous.id)
            .execute();
          const account = (await getAccountIn(trx, familyId, previous.id))!;
          return { account, reused: true, defaults };
        }
        const id = newId();
        await trx
          .insertInto('accounts')
          .values({
            id,
            family_id: familyId,
            provider_account_id: pa.id,
            previous_sophtron_account_id: null,
            ...chosen,
            sync_start_date: options.startDate ?? null,
            synced_through: null,
            last_sync_at: null,
            last_sync_outcome: null,
            last_sync_error: null,
            created_at: now,
            updated_at: now,
          })
          .execute();
        const account = (await getAccountIn(trx, familyId, id))!;
        return { account, reused: false, defaults };
      });
    },

    /**
     * Unlinks by ledger account id, our provider account id or Sophtron's AccountID. The account
     * keeps its transactions and is no longer synced. Returns the account, or undefined.
     */
    async unlinkAccount(familyId: string, ref: string): Promise<Account | undefined> {
      return inTransaction(db, async (trx) => {
        let account = await getAccountIn(trx, familyId, ref);
        if (!account) {
          const pa = await findProviderAccountIn(trx, familyId, ref);
          if (pa) account = await accountForProviderIn(trx, familyId, pa.id);
        }
        if (!account) return undefined;
        if (account.provider_account_id === null) {
          throw new StoreError(`account ${account.id} (${account.name}) is not linked`, 'conflict');
        }
        const pa = await trx
          .selectFrom('provider_accounts')
          .select('sophtron_account_id')
          .where('id', '=', account.provider_account_id)
          .executeTakeFirst();
        await trx
          .updateTable('accounts')
          .set({
            provider_account_id: null,
            previous_sophtron_account_id: pa?.sophtron_account_id ?? null,
            updated_at: nowIso(),
          })
          .where('family_id', '=', familyId)
          .where('id', '=', account.id)
          .execute();
        return getAccountIn(trx, familyId, account.id);
      });
    },

    /** Changes the user's choices for an account; undefined when not the family's. */
    async updateAccount(
      familyId: string,
      accountId: string,
      patch: LinkOptions,
    ): Promise<Account | undefined> {
      const set: Partial<Account> = {};
      if (patch.name !== undefined) set.name = patch.name;
      if (patch.kind !== undefined) set.kind = patch.kind;
      if (patch.balanceRule !== undefined) set.balance_rule = patch.balanceRule;
      if (patch.currency !== undefined) {
        if (!isCurrencyCode(patch.currency)) {
          throw new StoreError(
            `currency: must be an ISO 4217 code such as USD (got ${JSON.stringify(patch.currency)})`,
          );
        }
        const current = await getAccount(familyId, accountId);
        if (current && current.currency !== patch.currency) {
          const n = await db
            .selectFrom('transactions')
            .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
            .where('account_id', '=', accountId)
            .executeTakeFirstOrThrow();
          // Stored amounts are in the old currency; relabelling them would change their meaning.
          if (Number(n.n) > 0) {
            throw new StoreError(
              `currency: the account already has ${Number(n.n)} transactions in ${current.currency}; unlink it and link the provider account to a new account instead`,
              'conflict',
            );
          }
        }
        set.currency = patch.currency;
      }
      if (patch.startDate !== undefined) {
        if (patch.startDate !== null) checkDate(patch.startDate, 'start date');
        set.sync_start_date = patch.startDate;
      }
      if (Object.keys(set).length > 0) {
        await db
          .updateTable('accounts')
          .set({ ...set, updated_at: nowIso() })
          .where('family_id', '=', familyId)
          .where('id', '=', accountId)
          .execute();
      }
      return getAccount(familyId, accountId);
    },

    /** What the sync engine writes after each account. */
    /** Moves the account's position alone: a backfill part committed (the run goes on). */
    async setSyncedThrough(
      familyId: string,
      accountId: string,
      syncedThrough: string | null,
    ): Promise<boolean> {
      const r = await db
        .updateTable('accounts')
        .set({ synced_through: syncedThrough, updated_at: nowIso() })
        .where('family_id', '=', familyId)
        .where('id', '=', accountId)
        .executeTakeFirst();
      return r.numUpdatedRows > 0n;
    },

    async setAccountSyncState(
      familyId: string,
      accountId: string,
      state: { syncedThrough?: string | null; at?: string; outcome: string; error?: string | null },
    ): Promise<boolean> {
      const r = await db
        .updateTable('accounts')
        .set({
          ...(state.syncedThrough !== undefined ? { synced_through: state.syncedThrough } : {}),
          last_sync_at: state.at ?? nowIso(),
          last_sync_outcome: state.outcome,
          last_sync_error: state.error ?? null,
          updated_at: nowIso(),
        })
        .where('family_id', '=', familyId)
        .where('id', '=', accountId)
        .executeTakeFirst();
      return r.numUpdatedRows > 0n;
    },

    /** Deletes a ledger account and its history (transactions, balances, tombstones). */
    async deleteAccount(familyId: string, accountId: string): Promise<boolean> {
      const r = await db
        .deleteFrom('accounts')
        .where('family_id', '=', familyId)
        .where('id', '=', accountId)
        .executeTakeFirst();
      return r.numDeletedRows > 0n;
    },
  };
}

function getAccountIn(db: Db, familyId: string, accountId: string): Promise<Account | undefined> {
  return db
    .selectFrom('accounts')
    .selectAll()
    .where('family_id', '=', familyId)
    .where('id', '=', accountId)
    .executeTakeFirst();
}

function accountForProviderIn(
  db: Db,
  familyId: string,
  providerAccountId: string,
): Promise<Account | undefined> {
  return db
    .selectFrom('accounts')
    .selectAll()
    .where('family_id', '=', familyId)
    .where('provider_account_id', '=', providerAccountId)
    .executeTakeFirst();
}

function providerAccountQuery(db: Db, familyId: string) {
  return db
    .selectFrom('provider_accounts')
    .innerJoin('connections', 'connections.id', 'provider_accounts.connection_id')
    .selectAll('provider_accounts')
    .select([
      'connections.institution_name',
      'connections.user_institution_id',
      'connections.status as connection_status',
      'connections.country_code',
    ])
    .where('provider_accounts.family_id', '=', familyId)
    .where('connections.family_id', '=', familyId);
}

/** By our id or by Sophtron's AccountID. */
function findProviderAccountIn(db: Db, familyId: string, ref: string) {
  return providerAccountQuery(db, familyId)
    .where((eb) =>
      eb.or([eb('provider_accounts.id', '=', ref), eb('provider_accounts.sophtron_account_id', '=', ref)]),
    )
    .executeTakeFirst();
}
