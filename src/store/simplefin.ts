// Long because: SimpleFIN's tokens and the ledger reads that serve them share one scoping rule (a token sees its family and chosen accounts only), kept in one place to be audited at once.
/**
 * SimpleFIN access (src/simplefin reads the ledger only through these): setup tokens and their
 * Access URLs, scoped to a family and its chosen accounts, and the reads that serve them. Secrets
 * arrive here already hashed; nothing here can rebuild a setup token or an Access URL.
 *
 * The claim and the Basic-auth lookup find a token by a hash of its secret (that is how the family
 * is learnt); every other function takes the family id and finds nothing of another family.
 */
import { sql, type Selectable } from 'kysely';
import { ACCOUNT_COLUMNS } from './account-views.js';
import type {
  AccountKind,
  BalanceRule,
  ConnectionStatus,
  LedgerTransactionStatus,
  SimplefinTokensTable,
} from './schema.js';
import { addDays } from '../dates.js';
import { balancesRepository } from './balances.js';
import { inTransaction, newId, StoreError, type Db } from './util.js';

export type SimplefinToken = Selectable<SimplefinTokensTable>;

export interface SimplefinTokenInput {
  name: string;
  /** Ledger account ids; each must be the family's and linked. */
  accountIds: string[];
  rootUrl: string;
  claimHash: string;
  claimExpiresAt: string;
  expiresAt: string | null;
  refreshHours: number | null;
  createdBy: string | null;
  now: string;
}

export interface SimplefinTokenListing extends SimplefinToken {
  accounts: { id: string; name: string; currency: string }[];
}

export type ClaimResult =
  | { result: 'claimed'; token: SimplefinToken }
  /** Claimed before: refused, and counted on the token (a possible leak). */
  | { result: 'already_claimed'; familyId: string }
  | { result: 'unusable' };

/** What SimpleFIN serves of one account: the ledger account, its bank login and latest balance. */
export interface SimplefinAccountRow {
  id: string;
  name: string;
  kind: AccountKind;
  currency: string;
  balance_rule: BalanceRule;
  linked: boolean;
  last_sync_at: string | null;
  last_sync_outcome: string | null;
  last_sync_error: string | null;
  created_at: string;
  number_mask: string | null;
  provider_type: string | null;
  sub_type: string | null;
  /** Sophtron's own figure for the balance (before the balance rule). */
  provider_balance_minor: number | null;
  connection_id: string | null;
  institution_id: string | null;
  institution_name: string | null;
  connection_status: ConnectionStatus | null;
  connection_status_reason: string | null;
  balance_current_minor: number | null;
  balance_available_minor: number | null;
  balance_taken_at: string | null;
}

export interface SimplefinTransactionRow {
  id: number;
  status: Exclude<LedgerTransactionStatus, 'vanished'>;
  amount_minor: number;
  currency: string;
  date: string;
  transaction_date: string | null;
  post_date: string | null;
  description: string | null;
  merchant: string | null;
  category: string | null;
  memo: string | null;
  check_number: string | null;
  /** The date SimpleFIN places the row by: its post date when posted, its transaction date while pending. */
  served_date: string;
}

export interface SimplefinTransactionQuery {
  /** Calendar dates: `from` inclusive, `to` exclusive, on served_date; null = unbounded. */
  from: string | null;
  to: string | null;
  includePending: boolean;
  /** Keyset: rows after this one (the ledger's date, then id, ascending). */
  after: { date: string; id: number } | null;
  limit: number;
}

/**
 * A posted row is placed by its post date, which the ledger does not index; the index on the
 * ledger's own date narrows the scan first. Banks post within days of the transaction date, so a
 * posting more than this many days away from it is assumed not to exist.
 */
const POSTING_LAG_DAYS = 90;

export function simplefinRepository(db: Db) {
  const servedDate = sql<string>`(case when transactions.status = 'posted' then coalesce(transactions.post_date, transactions.date) else coalesce(transactions.transaction_date, transactions.date) end)`;

  const accountsOfToken = (familyId: string, tokenIds: string[]) =>
    tokenIds.length === 0
      ? Promise.resolve([])
      : db
          .selectFrom('simplefin_token_accounts')
          .innerJoin('accounts', 'accounts.id', 'simplefin_token_accounts.account_id')
          .select(['simplefin_token_accounts.token_id', 'accounts.id', 'accounts.name', 'accounts.currency'])
          .where('accounts.family_id', '=', familyId)
          .where('simplefin_token_accounts.token_id', 'in', tokenIds)
          .orderBy('accounts.name')
          .execute();

  return {
    async createSimplefinToken(familyId: string, input: SimplefinTokenInput): Promise<SimplefinToken> {
      const ids = [...new Set(input.accountIds)];
      if (ids.length === 0) throw new StoreError('accounts: choose at least one account');
      return inTransaction(db, async (trx) => {
        const linked = await trx
          .selectFrom('accounts')
          .select('id')
          .where('family_id', '=', familyId)
          .where('id', 'in', ids)
          .where('provider_account_id', 'is not', null)
          .execute();
        const known = new Set(linked.map((a) => a.id));
        const missing = ids.find((id) => !known.has(id));
        if (missing) throw new StoreError(`accounts: ${missing} is not a linked account of this family`);
        const row: SimplefinToken = {
          id: newId(),
          family_id: familyId,
          name: input.name,
          root_url: input.rootUrl,
          created_by: input.createdBy,
          created_at: input.now,
          claim_hash: input.claimHash,
          claim_expires_at: input.claimExpiresAt,
          claimed_at: null,
          refused_claims: 0,
          last_refused_claim_at: null,
          access_user_hash: null,
          access_secret_hash: null,
          expires_at: input.expiresAt,
          revoked_at: null,
          refresh_hours: input.refreshHours,
          last_used_at: null,
          use_count: 0,
          rate_window_start: null,
          rate_window_count: 0,
        };
        await trx.insertInto('simplefin_tokens').values(row).execute();
        await trx
          .insertInto('simplefin_token_accounts')
          .values(ids.map((account_id) => ({ token_id: row.id, account_id })))
          .execute();
        return row;
      });
    },

    /** Newest first, with the accounts each may read. */
    async listSimplefinTokens(familyId: string): Promise<SimplefinTokenListing[]> {
      const rows = await db
        .selectFrom('simplefin_tokens')
        .selectAll()
        .where('family_id', '=', familyId)
        .orderBy('created_at', 'desc')
        .orderBy('id')
        .execute();
      const scopes = await accountsOfToken(
        familyId,
        rows.map((r) => r.id),
      );
      return rows.map((r) => ({
        ...r,
        accounts: scopes
          .filter((s) => s.token_id === r.id)
          .map((s) => ({ id: s.id, name: s.name, currency: s.currency })),
      }));
    },

    async getSimplefinToken(familyId: string, id: string): Promise<SimplefinTokenListing | undefined> {
      const row = await db
        .selectFrom('simplefin_tokens')
        .selectAll()
        .where('family_id', '=', familyId)
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) return undefined;
      const scope = await accountsOfToken(familyId, [row.id]);
      return { ...row, accounts: scope.map((s) => ({ id: s.id, name: s.name, currency: s.currency })) };
    },

    /** Revokes the token and its Access URL at once; false when it is not the family's. */
    async revokeSimplefinToken(familyId: string, id: string, now: string): Promise<boolean> {
      const r = await db
        .updateTable('simplefin_tokens')
        .set({ revoked_at: now })
        .where('family_id', '=', familyId)
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    /**
     * Claims a setup token once: stores the Access URL's hashes in the same statement that checks
     * the token is unclaimed, unrevoked and unexpired, so two racing claims cannot both win. A
     * token claimed before is refused and the refusal counted on it.
     */
    async claimSimplefinToken(
      claimHash: string,
      access: { userHash: string; secretHash: string },
      now: string,
    ): Promise<ClaimResult> {
      const r = await db
        .updateTable('simplefin_tokens')
        .set({ claimed_at: now, access_user_hash: access.userHash, access_secret_hash: access.secretHash })
        .where('claim_hash', '=', claimHash)
        .where('claimed_at', 'is', null)
        .where('revoked_at', 'is', null)
        .where('claim_expires_at', '>', now)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) > 0) {
        const token = await db
          .selectFrom('simplefin_tokens')
          .selectAll()
          .where('claim_hash', '=', claimHash)
          .executeTakeFirstOrThrow();
        return { result: 'claimed', token };
      }
      const refused = await db
        .updateTable('simplefin_tokens')
        .set((eb) => ({ refused_claims: eb('refused_claims', '+', 1), last_refused_claim_at: now }))
        .where('claim_hash', '=', claimHash)
        .where('claimed_at', 'is not', null)
        .returning('family_id')
        .executeTakeFirst();
      return refused ? { result: 'already_claimed', familyId: refused.family_id } : { result: 'unusable' };
    },

    /** The claimed token whose Access URL user has this hash (the caller checks the password's hash). */
    async findSimplefinAccess(userHash: string): Promise<SimplefinToken | undefined> {
      return db
        .selectFrom('simplefin_tokens')
        .selectAll()
        .where('access_user_hash', '=', userHash)
        .where('claimed_at', 'is not', null)
        .executeTakeFirst();
    },

    /**
     * Counts one request of an Access URL in its rate-limit window (a new window starts when the
     * current one began before `windowStartedBefore`) and records the use, in one statement so
     * that processes sharing the database count together. Returns the window after counting.
     */
    async countSimplefinRequest(
      familyId: string,
      id: string,
      now: string,
      windowStartedBefore: string,
    ): Promise<{ windowStart: string; count: number } | undefined> {
      const row = await db
        .updateTable('simplefin_tokens')
        .set((eb) => {
          const fresh = eb.or([
            eb('rate_window_start', 'is', null),
            eb('rate_window_start', '<=', windowStartedBefore),
          ]);
          return {
            rate_window_start: eb.case().when(fresh).then(now).else(eb.ref('rate_window_start')).end(),
            rate_window_count: eb
              .case()
              .when(fresh)
              .then(1)
              .else(eb('rate_window_count', '+', 1))
              .end(),
            last_used_at: now,
            use_count: eb('use_count', '+', 1),
          };
        })
        .where('family_id', '=', familyId)
        .where('id', '=', id)
        .returning(['rate_window_start', 'rate_window_count'])
        .executeTakeFirst();
      return row ? { windowStart: row.rate_window_start!, count: Number(row.rate_window_count) } : undefined;
    },

    /** The token's accounts that still exist, linked or not, by name. */
    async simplefinAccounts(familyId: string, tokenId: string): Promise<SimplefinAccountRow[]> {
      const rows = await db
        .selectFrom('simplefin_token_accounts')
        .innerJoin('accounts', 'accounts.id', 'simplefin_token_accounts.account_id')
        .leftJoin('provider_accounts', 'provider_accounts.id', 'accounts.provider_account_id')
        .leftJoin('connections', 'connections.id', 'provider_accounts.connection_id')
        .select([
          ...ACCOUNT_COLUMNS,
          'accounts.provider_account_id',
          'accounts.last_sync_at',
          'accounts.last_sync_outcome',
          'accounts.last_sync_error',
          'accounts.created_at',
          'provider_accounts.number_mask',
          'provider_accounts.type as provider_type',
          'provider_accounts.sub_type',
          'provider_accounts.balance_minor as provider_balance_minor',
          'connections.id as connection_id',
          'connections.institution_id',
          'connections.institution_name',
          'connections.status as connection_status',
          'connections.status_reason as connection_status_reason',
        ])
        .where('simplefin_token_accounts.token_id', '=', tokenId)
        .where('accounts.family_id', '=', familyId)
        // A connection of another family can never be joined, whatever the provider account says.
        .where((eb) =>
          eb.or([eb('connections.family_id', 'is', null), eb('connections.family_id', '=', familyId)]),
        )
        .orderBy('accounts.name')
        .orderBy('accounts.id')
        .execute();
      if (rows.length === 0) return [];
      const balances = await balancesRepository(db).latestBalances(familyId);
      const minor = (v: number | string | bigint | null | undefined) => (v == null ? null : Number(v));
      return rows.map(({ provider_account_id, ...r }) => {
        const balance = balances.get(r.id);
        return {
          ...r,
          linked: provider_account_id !== null && r.connection_id !== null,
          provider_balance_minor: minor(r.provider_balance_minor),
          balance_current_minor: minor(balance?.current_minor),
          balance_available_minor: minor(balance?.available_minor),
          balance_taken_at: balance?.taken_at ?? null,
        };
      });
    },

    /**
     * One page of an account's transactions as SimpleFIN serves them: pending and posted rows
     * (never vanished ones; a deleted row is gone from the ledger) whose served date is in the
     * range, in the ledger's date order (when they happened: SimpleFIN's `transacted_at`), then
     * id. Callers page with `after` so that a long history is never held at once.
     */
    async simplefinTransactions(
      familyId: string,
      accountId: string,
      q: SimplefinTransactionQuery,
    ): Promise<SimplefinTransactionRow[]> {
      let query = db
        .selectFrom('transactions')
        .innerJoin('accounts', 'accounts.id', 'transactions.account_id')
        .where('accounts.family_id', '=', familyId)
        .where('transactions.account_id', '=', accountId)
        .where('transactions.status', 'in', q.includePending ? ['posted', 'pending'] : ['posted']);
      if (q.from !== null) {
        query = query
          .where('transactions.date', '>=', addDays(q.from, -POSTING_LAG_DAYS))
          .where(servedDate, '>=', q.from);
      }
      if (q.to !== null) {
        query = query
          .where('transactions.date', '<', addDays(q.to, POSTING_LAG_DAYS))
          .where(servedDate, '<', q.to);
      }
      if (q.after) {
        const { date, id } = q.after;
        query = query.where((eb) =>
          eb.or([
            eb('transactions.date', '>', date),
            eb.and([eb('transactions.date', '=', date), eb('transactions.id', '>', id)]),
          ]),
        );
      }
      const rows = await query
        .select([
          'transactions.id',
          'transactions.status',
          'transactions.amount_minor',
          'transactions.currency',
          'transactions.date',
          'transactions.transaction_date',
          'transactions.post_date',
          'transactions.description',
          'transactions.merchant',
          'transactions.category',
          'transactions.memo',
          'transactions.check_number',
        ])
        .select(servedDate.as('served_date'))
        // The index on (account_id, date) holds the rows in this order already (id is the rowid):
        // each page is a range read, not a sort of the account's whole history.
        .orderBy('transactions.date')
        .orderBy('transactions.id')
        .limit(Math.max(1, Math.min(q.limit, 5000)))
        .execute();
      return rows.map((r) => ({
        ...r,
        id: Number(r.id),
        amount_minor: Number(r.amount_minor),
        status: r.status as SimplefinTransactionRow['status'],
      }));
    },
  };
}
