/**
 * The SimpleFIN server, mounted under `/simplefin` of `serve`: `GET /info`, `GET /create` (to the
 * page that makes setup tokens), `POST /claim/:code`, `GET /accounts`. It authenticates on its own
 * (a one-time claim code, then HTTP Basic from the Access URL) and uses no cookie, session or CSRF
 * token of the web application.
 *
 * Secrets never reach a log: the claim path and the Authorization header are never logged, errors
 * are logged without the request's path, and messages name the token by its id only.
 */
import { Hono, type Context } from 'hono';
import { clientAddress } from '../http/client-address.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/index.js';
import type { SimplefinAccountRow } from '../store/simplefin.js';
import {
  accessUrlFor,
  CLAIM_CODE,
  hashSecret,
  newAccessCredentials,
  parseBasicAuth,
  secretMatches,
} from './credentials.js';
import { failureBucket, RATE_WINDOW_MS, rateDecision } from './limits.js';
import {
  accountJson,
  accountSetErrors,
  apiMessages,
  connectionOf,
  infoJson,
  parseAccountsQuery,
  servedRange,
  transactionJson,
  uniqueNames,
  type AccountsQuery,
  type ProtocolError,
  type ServedRange,
} from './protocol.js';
import type { Refresher } from './refresh.js';

export interface SimplefinServerDeps {
  store: Store;
  logger: Logger;
  /** Requests an hour per Access URL. */
  rateLimitPerHour: number;
  /** "Refresh when older than N hours"; without it the ledger is served as it is. */
  refresher?: Refresher | null;
  clock?: () => Date;
  /** Transactions read per query while streaming (bounds the memory an answer holds). */
  pageSize?: number;
  /** Where a person creates setup tokens: `GET /create` goes there. */
  createPage: string;
  /** TRUST_PROXY: how many proxies stand in front (0: the socket's address is the client's). */
  trustProxy?: number;
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** An Account Set with no account: how a refused or malformed request is still readable by clients. */
function emptyAccountSet(text: string, code: string): string {
  const e: ProtocolError = { code, msg: text, message: text };
  return JSON.stringify({ errors: [text], errlist: [e], accounts: [] });
}

export function createSimplefinServer(deps: SimplefinServerDeps): Hono {
  const app = new Hono();
  const clock = deps.clock ?? (() => new Date());
  const pageSize = deps.pageSize ?? 500;
  const trustProxy = deps.trustProxy ?? 0;
  /** Seconds before this client's address may try again (0: now), and how to count a failure. */
  const failuresOf = (c: Context) => {
    const bucket = [failureBucket(clientAddress(c, trustProxy))];
    return {
      blockedFor: async () => Math.ceil((await deps.store.throttleWait(bucket, clock().getTime())) / 1000),
      fail: () => deps.store.recordThrottleFailure(bucket, clock().getTime()),
    };
  };
  const log = deps.logger;

  const forbidden = (c: Context) => c.text('Forbidden', 403, { 'Cache-Control': 'no-store' });
  const tooMany = (c: Context, seconds: number, body: string, type: string) =>
    c.body(body, 429, { 'Content-Type': type, 'Retry-After': String(seconds), 'Cache-Control': 'no-store' });

  const info = (c: Context) => c.json(infoJson());
  app.get('/info', info);
  app.get('/info/', info);
  app.get('/create', (c) => c.redirect(deps.createPage, 302));

  const claim = async (c: Context) => {
    const attempts = failuresOf(c);
    const blocked = await attempts.blockedFor();
    if (blocked > 0)
      return tooMany(
        c,
        blocked,
        'Too many refused attempts from this address; try again later.',
        'text/plain',
      );
    const code = c.req.param('code') ?? '';
    if (!CLAIM_CODE.test(code)) {
      await attempts.fail();
      return forbidden(c);
    }
    const creds = newAccessCredentials();
    const result = await deps.store.claimSimplefinToken(
      hashSecret(code),
      { userHash: hashSecret(creds.user), secretHash: hashSecret(creds.password) },
      clock().toISOString(),
    );
    if (result.result === 'claimed') {
      log.info(
        { familyId: result.token.family_id, simplefinToken: result.token.id },
        'SimpleFIN setup token claimed',
      );
      // Exactly the Access URL: no quotes, no newline (simplefin4py and Firefly do not trim).
      return c.body(accessUrlFor(result.token.root_url, creds), 200, {
        'Content-Type': 'text/plain; charset=utf-8',
        'Cache-Control': 'no-store',
      });
    }
    await attempts.fail();
    if (result.result === 'already_claimed')
      log.warn(
        { familyId: result.familyId },
        'SimpleFIN setup token presented again after it was claimed: refused (someone else may have it)',
      );
    return forbidden(c);
  };
  app.post('/claim/:code', claim);
  app.post('/claim/:code/', claim);

  const accounts = async (c: Context) => {
    const attempts = failuresOf(c);
    const blocked = await attempts.blockedFor();
    if (blocked > 0)
      return tooMany(
        c,
        blocked,
        emptyAccountSet('Too many failed authentications from this address; try again later.', 'gen.auth'),
        JSON_TYPE,
      );
    const basic = parseBasicAuth(c.req.header('authorization'));
    const token = basic ? await deps.store.findSimplefinAccess(hashSecret(basic.user)) : undefined;
    if (!basic || !token || !secretMatches(basic.password, token.access_secret_hash)) {
      await attempts.fail();
      return forbidden(c);
    }
    const now = clock();
    // Genuine credentials that were revoked or expired: refused, but not an attack on this address.
    if (token.revoked_at !== null || (token.expires_at !== null && token.expires_at <= now.toISOString()))
      return forbidden(c);

    const parsed = parseAccountsQuery(new URL(c.req.url).searchParams);
    if (!parsed.ok)
      return c.body(emptyAccountSet(parsed.error, 'gen.api'), 400, { 'Content-Type': JSON_TYPE });
    const query = parsed.query;

    const counted = await deps.store.countSimplefinRequest(
      token.family_id,
      token.id,
      now.toISOString(),
      new Date(now.getTime() - RATE_WINDOW_MS).toISOString(),
    );
    if (!counted) return forbidden(c);
    const rate = rateDecision({ ...counted, now, limit: deps.rateLimitPerHour });
    if (!rate.allowed)
      return tooMany(c, rate.retryAfterSeconds, emptyAccountSet(rate.message, 'gen.api'), JSON_TYPE);

    let rows = await deps.store.simplefinAccounts(token.family_id, token.id);
    const notes: string[] = [];
    if (token.refresh_hours !== null && deps.refresher) {
      const refresh = await deps.refresher(token.family_id, token.refresh_hours, rows);
      if (refresh.note) notes.push(refresh.note);
      if (refresh.synced) rows = await deps.store.simplefinAccounts(token.family_id, token.id);
    }
    const wanted = (r: SimplefinAccountRow) =>
      query.accountIds.length === 0 || query.accountIds.includes(r.id);
    const served = rows.filter((r) => r.linked && wanted(r));
    const unlinked = rows.filter((r) => !r.linked && wanted(r));
    const range = servedRange(query, now);
    const problems = accountSetErrors(served, unlinked, rows.length === 0);
    if (rate.warning) {
      problems.errors.push(rate.warning);
      problems.errlist.push({ code: 'gen.api', msg: rate.warning, message: rate.warning });
    }
    const messages = [...apiMessages(range, query), ...notes];
    log.debug(
      {
        familyId: token.family_id,
        simplefinToken: token.id,
        accounts: served.length,
        version: query.version,
        balancesOnly: query.balancesOnly,
      },
      'SimpleFIN accounts served',
    );
    return new Response(
      streamOf(
        accountSetChunks({
          store: deps.store,
          familyId: token.family_id,
          rootUrl: token.root_url,
          rows: served,
          query,
          range,
          errors: problems.errors,
          errlist: problems.errlist,
          messages,
          pageSize,
        }),
        (err) =>
          log.error(
            {
              familyId: token.family_id,
              simplefinToken: token.id,
              err: err instanceof Error ? err.message : String(err),
            },
            'SimpleFIN answer failed while streaming',
          ),
      ),
      { status: 200, headers: { 'Content-Type': JSON_TYPE, 'Cache-Control': 'no-store' } },
    );
  };
  app.get('/accounts', accounts);
  app.get('/accounts/', accounts);

  app.all('*', (c) => c.text('Not found', 404));
  app.onError((err, c) => {
    // Not c.req.path: a claim path carries its one-time code.
    log.error({ err: { message: err.message, stack: err.stack } }, 'SimpleFIN request failed');
    return c.text('Internal error', 500);
  });
  return app;
}

interface AccountSetInput {
  store: Store;
  familyId: string;
  rootUrl: string;
  rows: SimplefinAccountRow[];
  query: AccountsQuery;
  range: ServedRange;
  errors: string[];
  errlist: ProtocolError[];
  messages: string[];
  pageSize: number;
}

/**
 * The Account Set as JSON text, in pieces: the envelope, then each account and its transactions a
 * page at a time, so an answer over ten years of history never sits in memory at once.
 */
export async function* accountSetChunks(input: AccountSetInput): AsyncGenerator<string> {
  const { query, range } = input;
  const server = { rootUrl: input.rootUrl };
  const v2 = query.version === 2;
  let head = `{"errors":${JSON.stringify(input.errors)},"x-api-message":${JSON.stringify(input.messages)}`;
  if (v2) {
    const connections = new Map<string, ReturnType<typeof connectionOf>>();
    for (const r of input.rows)
      if (r.connection_id) connections.set(r.connection_id, connectionOf(r, server));
    const errlist = [
      ...input.errlist,
      ...input.messages.map((m) => ({ code: 'gen.api', msg: m, message: m })),
    ];
    head += `,"errlist":${JSON.stringify(errlist)},"connections":${JSON.stringify([...connections.values()])}`;
  }
  yield `${head},"accounts":[`;
  const names = uniqueNames(input.rows);
  for (const [i, row] of input.rows.entries()) {
    const account = JSON.stringify(accountJson(row, names.get(row.id) ?? row.name, server, query.version));
    yield `${i > 0 ? ',' : ''}${account.slice(0, -1)},"transactions":[`;
    if (!query.balancesOnly && !range.empty) {
      let after: { date: string; id: number } | null = null;
      let first = true;
      for (;;) {
        const page = await input.store.simplefinTransactions(input.familyId, row.id, {
          from: range.from,
          to: range.to,
          includePending: query.pending,
          after,
          limit: input.pageSize,
        });
        if (page.length === 0) break;
        let text = '';
        for (const t of page) {
          text += `${first ? '' : ','}${JSON.stringify(transactionJson(t))}`;
          first = false;
        }
        yield text;
        if (page.length < input.pageSize) break;
        const last = page[page.length - 1]!;
        after = { date: last.date, id: last.id };
        // Let the event loop breathe between pages: other requests, and the socket draining.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    yield ']}';
  }
  yield ']}';
}

/** A byte stream that asks for the next piece only when the client has taken the previous one. */
function streamOf(
  chunks: AsyncGenerator<string>,
  onError: (err: unknown) => void,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const next = await chunks.next();
          if (next.done) controller.close();
          else controller.enqueue(encoder.encode(next.value));
        } catch (err) {
          onError(err);
          controller.error(err);
        }
      },
      async cancel() {
        await chunks.return(undefined);
      },
    },
    { highWaterMark: 0 },
  );
}
