/**
 * Devices a person logged in from (`web_known_devices`): only the SHA-256 of the device cookie is
 * stored (src/web/auth/devices.ts makes the cookie and decides how long a device stays known).
 */
import type { Db } from './util.js';

export function devicesRepository(db: Db) {
  return {
    /** The user's device with this hash, with when it was last used. */
    findKnownDevice(tokenHash: string, userId: string) {
      return db
        .selectFrom('web_known_devices')
        .select(['token_hash', 'last_used_at'])
        .where('token_hash', '=', tokenHash)
        .where('user_id', '=', userId)
        .executeTakeFirst();
    },

    async touchKnownDevice(tokenHash: string, at: string): Promise<void> {
      await db
        .updateTable('web_known_devices')
        .set({ last_used_at: at })
        .where('token_hash', '=', tokenHash)
        .execute();
    },

    async addKnownDevice(input: { tokenHash: string; userId: string; at: string }): Promise<void> {
      await db
        .insertInto('web_known_devices')
        .values({
          token_hash: input.tokenHash,
          user_id: input.userId,
          created_at: input.at,
          last_used_at: input.at,
        })
        .execute();
    },
  };
}
