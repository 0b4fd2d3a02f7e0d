/**
 * v2 REST surface: customers, members, accounts, transactions, jobs and
 * challenges, institutions. Path segments are matched case-insensitively.
 */
import { ALL_BANKS, institutionById, searchInstitutions } from './banks.js';
import { parseRequestDate } from './dates.js';
import { HttpError, empty, field, notFound, ok, optionalText, raw, type Ctx } from './http.js';
import type { Route } from './routes-v1.js';
import type { UserInstitution, Customer } from './state.js';
import { accountWire, customerWire, institutionWire, memberWire } from './wire.js';

interface V2Route extends Omit<Route, 'method'> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  pattern: string[];
}

const customerOf = (ctx: Ctx): Customer => {
  const c = ctx.state.customer(ctx.userId, ctx.params[0]);
  if (!c) throw notFound('Customer');
  return c;
};
const membersOf = (ctx: Ctx, customer: Customer): UserInstitution[] =>
  ctx.state.connectionsOf(ctx.userId).filter((c) => c.customerId === customer.id);
const memberOf = (ctx: Ctx): UserInstitution => {
  const customer = customerOf(ctx);
  const id = ctx.params[1]?.toLowerCase();
  const m = membersOf(ctx, customer).find((c) => c.memberId === id || c.id === id);
  if (!m) throw notFound('Member');
  return m;
};
const accountsJson = (ctx: Ctx, connections: UserInstitution[]) => {
  const today = ctx.state.today();
  return connections.flatMap((c) => c.accounts.map((a) => accountWire(a, c, today, a.balanceOn(today))));
};
const customerJson = (ctx: Ctx, c: Customer) =>
  customerWire(
    c,
    membersOf(ctx, c).map((m) => m.memberId),
  );

const queryDate = (ctx: Ctx, name: string): number | null => {
  const v = ctx.query.get(name.toLowerCase());
  if (v === undefined || v === '') return null;
  const day = parseRequestDate(v);
  if (day === null)
    throw new HttpError(400, { Message: `The value '${v}' is not a valid date for ${name}.` });
  return day;
};

const routes: V2Route[] = [
  {
    name: 'v2/customers',
    method: 'GET',
    pattern: ['customers'],
    handle: (ctx) => {
      const unique = ctx.query.get('uniqueid');
      const all = [...ctx.state.customers.values()].filter((c) => c.userId === ctx.userId);
      const list = unique === undefined ? all : all.filter((c) => c.uniqueId === unique);
      return ok(list.map((c) => customerJson(ctx, c)));
    },
  },
  {
    name: 'v2/customers',
    method: 'POST',
    pattern: ['customers'],
    handle: (ctx) => {
      const customer: Customer = {
        id: ctx.state.newId(),
        userId: ctx.userId,
        uniqueId: optionalText(ctx, 'UniqueID'),
        name: optionalText(ctx, 'Name'),
        source: optionalText(ctx, 'Source'),
        createdAt: ctx.state.now(),
      };
      ctx.state.customers.set(customer.id, customer);
      return ok(customerJson(ctx, customer));
    },
  },
  {
    name: 'v2/customers/{id}',
    method: 'GET',
    pattern: ['customers', ':'],
    handle: (ctx) => ok(customerJson(ctx, customerOf(ctx))),
  },
  {
    name: 'v2/customers/{id}',
    method: 'DELETE',
    pattern: ['customers', ':'],
    handle: (ctx) => {
      const c = customerOf(ctx);
      for (const m of membersOf(ctx, c)) ctx.state.deleteConnection(m);
      ctx.state.customers.delete(c.id);
      return empty();
    },
  },
  {
    name: 'v2/customers/{id}/members',
    method: 'GET',
    pattern: ['customers', ':', 'members'],
    handle: (ctx) => ok(membersOf(ctx, customerOf(ctx)).map(memberWire)),
  },
  {
    name: 'v2/customers/{id}/members/{jobTypes}',
    method: 'POST',
    pattern: ['customers', ':', 'members', ':'],
    handle: (ctx) => {
      const customer = customerOf(ctx);
      const bank = institutionById(field(ctx, 'InstitutionID'));
      if (!bank) throw notFound('Institution');
      const jobTypes = (ctx.params[1] ?? '').toLowerCase();
      const { connection, job } = ctx.state.createConnection(
        ctx.userId,
        bank,
        { userName: field(ctx, 'UserName'), password: optionalText(ctx, 'Password') ?? '' },
        {
          customerId: customer.id,
          fullAccountNumbers: jobTypes.includes('verification'),
          profileInfo: jobTypes.includes('identity'),
        },
      );
      return ok({ MemberID: connection.memberId, JobID: job.id, UserInstitutionID: connection.id });
    },
  },
  {
    name: 'v2/customers/{id}/members/{id}',
    method: 'GET',
    pattern: ['customers', ':', 'members', ':'],
    handle: (ctx) => ok(memberWire(memberOf(ctx))),
  },
  {
    name: 'v2/customers/{id}/members/{id}',
    method: 'DELETE',
    pattern: ['customers', ':', 'members', ':'],
    handle: (ctx) => {
      ctx.state.deleteConnection(memberOf(ctx));
      return empty();
    },
  },
  {
    name: 'v2/customers/{id}/members/{id}/accounts',
    method: 'GET',
    pattern: ['customers', ':', 'members', ':', 'accounts'],
    handle: (ctx) => ok(accountsJson(ctx, [memberOf(ctx)])),
  },
  {
    name: 'v2/customers/{id}/members/{id}/{jobTypes}',
    method: 'POST',
    pattern: ['customers', ':', 'members', ':', ':'],
    handle: (ctx) => {
      const m = memberOf(ctx);
      return ok({
        MemberID: m.memberId,
        JobID: ctx.state.startJob(m, 'refresh').id,
        UserInstitutionID: m.id,
      });
    },
  },
  {
    name: 'v2/customers/{id}/members/{id}/{jobTypes}',
    method: 'PUT',
    pattern: ['customers', ':', 'members', ':', ':'],
    handle: (ctx) => {
      const m = memberOf(ctx);
      const userName = optionalText(ctx, 'UserName');
      const password = optionalText(ctx, 'Password');
      if (userName) m.userName = userName;
      if (password !== null) m.password = password;
      m.lastModified = ctx.state.now();
      return ok({ MemberID: m.memberId, JobID: ctx.state.startJob(m, 'update').id, UserInstitutionID: m.id });
    },
  },
  {
    name: 'v2/customers/{id}/accounts',
    method: 'GET',
    pattern: ['customers', ':', 'accounts'],
    handle: (ctx) => ok(accountsJson(ctx, membersOf(ctx, customerOf(ctx)))),
  },
  {
    name: 'v2/customers/{id}/accounts/{id}',
    method: 'GET',
    pattern: ['customers', ':', 'accounts', ':'],
    handle: (ctx) => {
      const customer = customerOf(ctx);
      const a = ctx.state.account(ctx.userId, ctx.params[1]);
      const c = a && ctx.state.connection(ctx.userId, a.connectionId);
      if (!a || !c || c.customerId !== customer.id) throw notFound('Account');
      const today = ctx.state.today();
      return ok(accountWire(a, c, today, a.balanceOn(today)));
    },
  },
  {
    name: 'v2/customers/{id}/accounts/{id}/transactions',
    method: 'GET',
    pattern: ['customers', ':', 'accounts', ':', 'transactions'],
    handle: (ctx) => {
      const customer = customerOf(ctx);
      const a = ctx.state.account(ctx.userId, ctx.params[1]);
      const c = a && ctx.state.connection(ctx.userId, a.connectionId);
      if (!a || !c || c.customerId !== customer.id) throw notFound('Account');
      const start = queryDate(ctx, 'startDate') ?? -1_000_000;
      const end = queryDate(ctx, 'endDate') ?? 1_000_000;
      return raw(a.rangeBody(ctx.state.today(), start, end, ctx.userId));
    },
  },
  {
    name: 'v2/job/{id}',
    method: 'GET',
    pattern: ['job', ':'],
    handle: (ctx) => {
      const job = ctx.state.job(ctx.userId, ctx.params[0]);
      if (!job) throw notFound('Job');
      return ok(job.poll(ctx.pollsPerStep, ctx.jobStepMs));
    },
  },
  {
    name: 'v2/job/{id}/challenge/{challengeId}',
    method: 'PUT',
    pattern: ['job', ':', 'challenge', ':'],
    handle: (ctx) => {
      const job = ctx.state.job(ctx.userId, ctx.params[0]);
      if (!job) throw notFound('Job');
      const answer = ctx.body['answertext'];
      const text =
        typeof answer === 'string' ? answer : answer === undefined ? undefined : JSON.stringify(answer);
      const status = (() => {
        switch ((ctx.params[1] ?? '').toLowerCase()) {
          case 'securityquestion':
            return job.answerSecurity(text);
          case 'tokenmethod':
            return job.answerToken(text, null, null);
          case 'tokeninput':
            return job.answerToken(null, text, null);
          case 'tokenread':
            return job.answerToken(null, null, answer === true || answer === 'true');
          case 'captchaimage':
          case 'captcha':
            return job.answerCaptcha(text);
          default:
            return -1;
        }
      })();
      if (status !== 0) throw new HttpError(400, { Message: 'The answer was not accepted.' });
      return empty();
    },
  },
  {
    name: 'v2/institutions',
    method: 'GET',
    pattern: ['institutions'],
    handle: (ctx) => {
      const q = ctx.query.get('query');
      return ok((q ? searchInstitutions(q) : ALL_BANKS).map(institutionWire));
    },
  },
];

/** Finds the v2 route for segments after `/api/v2/`; `params` gets the ':' segments. */
export function matchV2(
  method: string,
  segments: string[],
): { route: V2Route; params: string[] } | { route: null; methodMismatch: boolean } {
  let methodMismatch = false;
  for (const route of routes) {
    if (route.pattern.length !== segments.length) continue;
    const params: string[] = [];
    let okPath = true;
    for (let i = 0; i < segments.length && okPath; i++) {
      const p = route.pattern[i]!;
      const s = segments[i]!;
      if (p === ':') params.push(decodeURIComponent(s));
      else okPath = p === s.toLowerCase();
    }
    if (!okPath) continue;
    // A fixed word beats a parameter: "accounts" after a member is not a jobTypes value for GET.
    if (route.method === method) return { route, params };
    methodMismatch = true;
  }
  return { route: null, methodMismatch };
}
