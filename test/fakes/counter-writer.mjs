/**
 * A child process for the concurrency test of openDatabase: increments change_counter `n` times,
 * each time reading, awaiting, then writing in one transaction, the pattern that breaks under
 * deferred transactions when another process writes in between. Plain JavaScript on the compiled
 * store (dist/, built by the test run's global setup): it starts without compiling TypeScript.
 */
import { openDatabase } from '../../dist/store/database.js';

const [dataDir, times] = process.argv.slice(2);
const { db, close } = await openDatabase({ dataDir });
let failures = 0;
for (let i = 0; i < Number(times); i++) {
  try {
    await db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('change_counter')
        .select('value')
        .where('id', '=', 1)
        .executeTakeFirstOrThrow();
      await new Promise((resolve) => setTimeout(resolve, 1));
      await trx
        .updateTable('change_counter')
        .set({ value: row.value + 1 })
        .where('id', '=', 1)
        .execute();
    });
  } catch (err) {
    failures++;
    if (failures === 1) process.stderr.write(`${err.message}\n`);
  }
}
process.stdout.write(`${JSON.stringify({ failures })}\n`);
await close();
