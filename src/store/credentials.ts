/**
 * A family's Sophtron credentials. The Access Key is sealed with the family id as associated data,
 * so a sealed key copied into another family's row does not open.
 */
import type { SecretBox } from './secret-box.js';
import { nowIso, type Db } from './util.js';

export interface SophtronCredentials {
  userId: string;
  accessKey: string;
  /** null = the default (SOPHTRON_BASE_URL). */
  baseUrl: string | null;
}

/** What a page may show: never the key. */
export interface CredentialsDescription {
  userId: string;
  keySet: true;
  baseUrl: string | null;
  updatedAt: string;
}

const aad = (familyId: string) => `credentials.access_key:${familyId}`;

export function credentialsRepository(db: Db, secrets: SecretBox) {
  return {
    async saveCredentials(
      familyId: string,
      input: { userId: string; accessKey: string; baseUrl?: string | null },
    ): Promise<void> {
      const row = {
        family_id: familyId,
        user_id: input.userId,
        access_key_sealed: secrets.seal(input.accessKey, aad(familyId)),
        base_url: input.baseUrl ?? null,
        updated_at: nowIso(),
      };
      await db
        .insertInto('credentials')
        .values(row)
        .onConflict((oc) =>
          oc.column('family_id').doUpdateSet({
            user_id: row.user_id,
            access_key_sealed: row.access_key_sealed,
            base_url: row.base_url,
            updated_at: row.updated_at,
          }),
        )
        .execute();
    },

    async getCredentials(familyId: string): Promise<SophtronCredentials | undefined> {
      const row = await db
        .selectFrom('credentials')
        .selectAll()
        .where('family_id', '=', familyId)
        .executeTakeFirst();
      if (!row) return undefined;
      return {
        userId: row.user_id,
        accessKey: secrets.open(row.access_key_sealed, aad(familyId)),
        baseUrl: row.base_url,
      };
    },

    async describeCredentials(familyId: string): Promise<CredentialsDescription | undefined> {
      const row = await db
        .selectFrom('credentials')
        .select(['user_id', 'base_url', 'updated_at'])
        .where('family_id', '=', familyId)
        .executeTakeFirst();
      if (!row) return undefined;
      return { userId: row.user_id, keySet: true, baseUrl: row.base_url, updatedAt: row.updated_at };
    },

    async deleteCredentials(familyId: string): Promise<boolean> {
      const r = await db.deleteFrom('credentials').where('family_id', '=', familyId).executeTakeFirst();
      return r.numDeletedRows > 0n;
    },
  };
}
