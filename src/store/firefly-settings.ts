/**
 * A family's Firefly III connection (migration 0100_firefly): its URL, its token (sealed by the
 * secret box, bound to the family) and the delivery options it keeps.
 */
import { z } from 'zod';
import type { SecretBox } from './secret-box.js';
import { nowIso, type Db } from './util.js';

const tokenAad = (familyId: string) => `firefly_token:${familyId}`;

/** Delivery options a family keeps with its Firefly connection (all optional). */
export const deliveryOptionsSchema = z.object({
  pending: z.enum(['skip', 'tag']).optional(),
  addImportTag: z.boolean().optional(),
  customTag: z.string().max(255).optional(),
  applyRules: z.boolean().optional(),
  fireWebhooks: z.boolean().optional(),
  mapping: z.record(z.string(), z.number().int().nonnegative()).optional(),
});
export type StoredDeliveryOptions = z.infer<typeof deliveryOptionsSchema>;

export interface FireflySettings {
  url: string;
  token: string;
  options: StoredDeliveryOptions;
  updatedAt: string;
}

export function fireflySettingsRepository(db: Db, secrets: SecretBox) {
  return {
    async saveFireflySettings(
      familyId: string,
      input: { url: string; token: string; options?: StoredDeliveryOptions },
    ): Promise<void> {
      const url = z.string().url().parse(input.url.trim());
      const row = {
        family_id: familyId,
        url,
        token_sealed: secrets.seal(input.token, tokenAad(familyId)),
        options_json: JSON.stringify(deliveryOptionsSchema.parse(input.options ?? {})),
        updated_at: nowIso(),
      };
      await db
        .insertInto('firefly_settings')
        .values(row)
        .onConflict((oc) =>
          oc.column('family_id').doUpdateSet({
            url: row.url,
            token_sealed: row.token_sealed,
            options_json: row.options_json,
            updated_at: row.updated_at,
          }),
        )
        .execute();
    },

    async getFireflySettings(familyId: string): Promise<FireflySettings | null> {
      const row = await db
        .selectFrom('firefly_settings')
        .selectAll()
        .where('family_id', '=', familyId)
        .executeTakeFirst();
      if (!row) return null;
      const options = deliveryOptionsSchema.safeParse(JSON.parse(row.options_json || '{}'));
      return {
        url: row.url,
        token: secrets.open(row.token_sealed, tokenAad(familyId)),
        options: options.success ? options.data : {},
        updatedAt: row.updated_at,
      };
    },

    /** For pages: the URL and whether a token is stored, never the token. */
    async describeFireflySettings(
      familyId: string,
    ): Promise<{ url: string; tokenSet: boolean; updatedAt: string } | null> {
      const row = await db
        .selectFrom('firefly_settings')
        .select(['url', 'updated_at'])
        .where('family_id', '=', familyId)
        .executeTakeFirst();
      return row ? { url: row.url, tokenSet: true, updatedAt: row.updated_at } : null;
    },

    async deleteFireflySettings(familyId: string): Promise<void> {
      await db.deleteFrom('firefly_settings').where('family_id', '=', familyId).execute();
    },
  };
}
