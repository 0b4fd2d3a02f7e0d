/** Connections: one bank login at Sophtron (a UserInstitution) per row, owned by a family. */
import type { Selectable } from 'kysely';
import type { ConnectionStatus, ConnectionsTable } from './schema.js';
import { inTransaction, newId, nowIso, type Db } from './util.js';

export type Connection = Selectable<ConnectionsTable>;

export interface ConnectionInput {
  userInstitutionId: string;
  institutionId: string;
  institutionName: string;
  status: ConnectionStatus;
  statusReason?: string | null;
  /** ISO 3166 alpha-2 of the institution, when known; kept when a later upsert does not know it. */
  countryCode?: string | null;
}

export function connectionsRepository(db: Db) {
  const getConnection = (familyId: string, connectionId: string): Promise<Connection | undefined> =>
    db
      .selectFrom('connections')
      .selectAll()
      .where('family_id', '=', familyId)
      .where('id', '=', connectionId)
      .executeTakeFirst();

  return {
    getConnection,

    async findConnectionByUserInstitution(
      familyId: string,
      userInstitutionId: string,
    ): Promise<Connection | undefined> {
      return db
        .selectFrom('connections')
        .selectAll()
        .where('family_id', '=', familyId)
        .where('user_institution_id', '=', userInstitutionId)
        .executeTakeFirst();
    },

    async listConnections(familyId: string): Promise<Connection[]> {
      return db
        .selectFrom('connections')
        .selectAll()
        .where('family_id', '=', familyId)
        .orderBy('institution_name')
        .orderBy('created_at')
        .execute();
    },

    /** Creates or updates the family's connection for this UserInstitution; returns the stored row. */
    async upsertConnection(familyId: string, input: ConnectionInput): Promise<Connection> {
      const now = nowIso();
      const country = input.countryCode ? input.countryCode.toUpperCase() : null;
      await db
        .insertInto('connections')
        .values({
          id: newId(),
          family_id: familyId,
          user_institution_id: input.userInstitutionId,
          institution_id: input.institutionId,
          institution_name: input.institutionName,
          status: input.status,
          status_reason: input.statusReason ?? null,
          country_code: country,
          last_refreshed_at: null,
          created_at: now,
          updated_at: now,
        })
        .onConflict((oc) =>
          oc.columns(['family_id', 'user_institution_id']).doUpdateSet((eb) => ({
            institution_id: input.institutionId,
            institution_name: input.institutionName,
            status: input.status,
            status_reason: input.statusReason ?? null,
            country_code: eb.fn.coalesce(eb.ref('excluded.country_code'), eb.ref('connections.country_code')),
            updated_at: now,
          })),
        )
        .execute();
      const row = await db
        .selectFrom('connections')
        .selectAll()
        .where('family_id', '=', familyId)
        .where('user_institution_id', '=', input.userInstitutionId)
        .executeTakeFirstOrThrow();
      return row;
    },

    async setConnectionStatus(
      familyId: string,
      connectionId: string,
      status: ConnectionStatus,
      statusReason: string | null = null,
    ): Promise<boolean> {
      const r = await db
        .updateTable('connections')
        .set({ status, status_reason: statusReason, updated_at: nowIso() })
        .where('family_id', '=', familyId)
        .where('id', '=', connectionId)
        .executeTakeFirst();
      return r.numUpdatedRows > 0n;
    },

    async markConnectionRefreshed(familyId: string, connectionId: string, at = nowIso()): Promise<boolean> {
      const r = await db
        .updateTable('connections')
        .set({ last_refreshed_at: at, updated_at: nowIso() })
        .where('family_id', '=', familyId)
        .where('id', '=', connectionId)
        .executeTakeFirst();
      return r.numUpdatedRows > 0n;
    },

    /** Removes the connection and its provider accounts; linked accounts keep their history, unlinked. */
    async deleteConnection(familyId: string, connectionId: string): Promise<boolean> {
      return inTransaction(db, async (trx) => {
        const linked = await trx
          .selectFrom('accounts')
          .innerJoin('provider_accounts', 'provider_accounts.id', 'accounts.provider_account_id')
          .select(['accounts.id', 'provider_accounts.sophtron_account_id'])
          .where('accounts.family_id', '=', familyId)
          .where('provider_accounts.connection_id', '=', connectionId)
          .execute();
        // Remember the old link so reconnecting the same bank account reuses the ledger account.
        for (const a of linked) {
          await trx
            .updateTable('accounts')
            .set({ previous_sophtron_account_id: a.sophtron_account_id, updated_at: nowIso() })
            .where('id', '=', a.id)
            .execute();
        }
        const r = await trx
          .deleteFrom('connections')
          .where('family_id', '=', familyId)
          .where('id', '=', connectionId)
          .executeTakeFirst();
        return r.numDeletedRows > 0n;
      });
    },
  };
}
