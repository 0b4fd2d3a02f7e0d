/**
 * A delivery in a child process, for the crash test: `node --import tsx test/fakes/firefly-deliver-child.ts
 * <database file> <firefly url> <token> <family id>`. Prints the result as JSON when it finishes.
 */
import { openDatabase } from '../../src/store/database.js';
import { storeOver } from '../helpers/store-over.js';
import { FireflyClient } from '../../src/destinations/firefly/client.js';
import { deliverFamily } from '../../src/destinations/firefly/deliver.js';

const [file, url, token, familyId] = process.argv.slice(2);
const opened = await openDatabase({ filename: file! });
const client = new FireflyClient({ baseUrl: url!, token: token!, timeoutMs: 10_000 });
const result = await deliverFamily({ store: storeOver(opened.db), client }, familyId!, { concurrency: 4 });
process.stdout.write(`${JSON.stringify({ created: result.created, failed: result.failed })}\n`);
await opened.close();
