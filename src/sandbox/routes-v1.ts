/**
 * v1 RPC surface: `/api/<Controller>/<Action>`, POST with a JSON body (GET for
 * the two pings), bare JSON answers. Route names are matched case-insensitively.
 */
import { ALL_BANKS, institutionById, institutionsByRoutingNumber, searchInstitutions } from './banks.js';
import { parseRequestDate } from './dates.js';
import type { Job } from './jobs.js';
import { EMPTY_GUID } from './rng.js';
import { HttpError, field, notFound, ok, optionalText, raw, type Ctx, type Result } from './http.js';
import type { JobKind, UserInstitution } from './state.js';
import { accountWire, institutionWire, userInstitutionWire } from './wire.js';

export interface Route {
  /** Canonical name, e.g. "Transaction/GetTransactionsByTransactionDate" (request log, fault scripts). */
  name: string;
  method: 'GET' | 'POST';
  handle: (ctx: Ctx) => Result | Promise<Result>;
}

const connectionOf = (ctx: Ctx): UserInstitution => {
  const c = ctx.state.connection(ctx.userId, field(ctx, 'UserInstitutionID'));
  if (!c) throw notFound('UserInstitution');
  return c;
};

/** Starts a job on a login and answers with both ids, as the retry, update and refresh calls do. */
const jobStarted = (ctx: Ctx, c: UserInstitution, kind: JobKind): Result =>
  ok({ JobID: ctx.state.startJob(c, kind).id, UserInstitutionID: c.id });

const jobOf = (ctx: Ctx): Job | undefined => ctx.state.job(ctx.userId, ctx.body['jobid']);

const accountsOf = (ctx: Ctx, c: UserInstitution) => {
  const today = ctx.state.today();
  return c.accounts.map((a) => accountWire(a, c, today, a.balanceOn(today)));
};

function createConnection(flags: {
  fullAccountNumbers?: boolean;
  verification?: boolean;
  profileInfo?: boolean;
  withoutJob?: boolean;
}) {
  return (ctx: Ctx): Result => {
    const bank = institutionById(field(ctx, 'InstitutionID'));
    if (!bank) throw notFound('Institution');
    const { connection, job } = ctx.state.createConnection(
      ctx.userId,
      bank,
      {
        userName: field(ctx, 'UserName'),
        password: optionalText(ctx, 'Password') ?? '',
        pin: optionalText(ctx, 'PIN'),
        companyId: optionalText(ctx, 'CompanyID'),
      },
      flags,
    );
    if (flags.withoutJob) {
      // Without a job the login is checked at once and the accounts are there immediately.
      while (!job.finished && job.phase.t !== 'hang') {
        if (job.phase.t === 'challenge' || job.phase.t === 'select') break;
        job.poll(1);
      }
      return ok({ JobID: EMPTY_GUID, UserInstitutionID: connection.id });
    }
    return ok({ JobID: job.id, UserInstitutionID: connection.id });
  };
}

const dateField = (ctx: Ctx, name: string): number | null => {
  const v = ctx.body[name.toLowerCase()];
  if (v === undefined || v === null || v === '') return null;
  const day = parseRequestDate(v);
  if (day === null)
    throw new HttpError(400, {
      Message: 'The request is invalid.',
      ModelState: { [`request.${name}`]: [`The value '${String(v)}' is not a valid date for ${name}.`] },
    });
  return day;
};

const create = createConnection({});
const routes: Route[] = [
  // --- health ---
  { name: 'Institution/HealthCheckAuth', method: 'GET', handle: () => ok('Healthy') },
  { name: 'UserInstitution/Ping', method: 'GET', handle: () => ok('Pong') },

  // --- institutions ---
  {
    name: 'Institution/GetInstitutionByName',
    method: 'POST',
    handle: (ctx) => ok(searchInstitutions(optionalText(ctx, 'InstitutionName') ?? '').map(institutionWire)),
  },
  {
    name: 'Institution/GetInstitutionByID',
    method: 'POST',
    handle: (ctx) => {
      const bank = institutionById(field(ctx, 'InstitutionID'));
      if (!bank) throw notFound('Institution');
      return ok(institutionWire(bank));
    },
  },
  {
    name: 'Institution/GetInstitutionByRoutingNumber',
    method: 'POST',
    handle: (ctx) => ok(institutionsByRoutingNumber(field(ctx, 'RoutingNumber')).map(institutionWire)),
  },
  {
    name: 'Institution/GetInstitutionsByUser',
    method: 'POST',
    handle: (ctx) => {
      const ids = new Set(ctx.state.connectionsOf(ctx.userId).map((c) => c.institution.id));
      return ok(ALL_BANKS.filter((b) => ids.has(b.id)).map(institutionWire));
    },
  },
  // The sandbox's list is fixed: "not added" is the empty GUID (HELP).
  { name: 'Institution/AddInstitution', method: 'POST', handle: () => ok(EMPTY_GUID) },
  {
    name: 'User/GetUserIntegrationKey',
    method: 'POST',
    handle: (ctx) => ok({ IntegrationKey: Buffer.from(ctx.state.newId()).toString('base64') }),
  },

  // --- user institutions ---
  { name: 'UserInstitution/CreateUserInstitution', method: 'POST', handle: create },
  { name: 'UserInstitution/CreateUserInstitutionWithRefresh', method: 'POST', handle: create },
  { name: 'UserInstitution/CreateUserInstitutionWithFullHistory', method: 'POST', handle: create },
  { name: 'UserInstitution/CreateUserInstitutionWithAll', method: 'POST', handle: create },
  {
    name: 'UserInstitution/CreateUserInstitutionWithProfileInfo',
    method: 'POST',
    handle: createConnection({ profileInfo: true }),
  },
  {
    name: 'UserInstitution/CreateUserInstitutionWithAllPlusProfile',
    method: 'POST',
    handle: createConnection({ profileInfo: true }),
  },
  {
    name: 'UserInstitution/CreateUserInstitutionWithFullAccountNumbers',
    method: 'POST',
    // A verification job (JobType "Verification"): it waits at AccountsReady for one account to be picked.
    handle: createConnection({ fullAccountNumbers: true, verification: true }),
  },
  {
    name: 'UserInstitution/CreateUserInstitutionWOJob',
    method: 'POST',
    handle: createConnection({ withoutJob: true }),
  },
  {
    name: 'UserInstitution/RetryAddingUserInstitution',
    method: 'POST',
    handle: (ctx) => jobStarted(ctx, connectionOf(ctx), 'retry'),
  },
  {
    name: 'UserInstitution/UpdateUserInstitution',
    method: 'POST',
    handle: (ctx) => {
      const c = connectionOf(ctx);
      const userName = optionalText(ctx, 'UserName');
      const password = optionalText(ctx, 'Password');
      if (userName) c.userName = userName;
      if (password !== null) c.password = password;
      const pin = optionalText(ctx, 'PIN');
      if (pin !== null) c.pin = pin;
      c.lastModified = ctx.state.now();
      return jobStarted(ctx, c, 'update');
    },
  },
  {
    name: 'UserInstitution/DeleteUserInstitution',
    method: 'POST',
    handle: (ctx) => {
      ctx.state.deleteConnection(connectionOf(ctx));
      return ok(0);
    },
  },
  {
    name: 'UserInstitution/RefreshUserInstitution',
    method: 'POST',
    handle: (ctx) => jobStarted(ctx, connectionOf(ctx), 'refresh'),
  },
  {
    name: 'UserInstitution/GetUserInstitutionsByUser',
    method: 'POST',
    // The authenticated user decides; a different UserID in the body can never reach other data.
    handle: (ctx) => ok(ctx.state.connectionsOf(ctx.userId).map(userInstitutionWire)),
  },
  {
    name: 'UserInstitution/GetUserInstitutionByID',
    method: 'POST',
    handle: (ctx) => ok(userInstitutionWire(connectionOf(ctx))),
  },
  {
    name: 'UserInstitution/GetUserInstitutionProfileInfor',
    method: 'POST',
    handle: (ctx) => {
      const c = connectionOf(ctx);
      const w = userInstitutionWire({ ...c, profileInfo: true });
      return ok({ OwnerName: w.OwnerName, Address: w.Address, Phone: w.Phone, Email: w.Email });
    },
  },
  {
    name: 'UserInstitution/GetUserInstitutionAccounts',
    method: 'POST',
    handle: (ctx) => ok(accountsOf(ctx, connectionOf(ctx))),
  },

  // --- accounts ---
  {
    name: 'UserInstitutionAccount/GetUserInstitutionAccountByID',
    method: 'POST',
    handle: (ctx) => {
      const a = ctx.state.account(ctx.userId, field(ctx, 'AccountID'));
      const c = a && ctx.state.connection(ctx.userId, a.connectionId);
      if (!a || !c) throw notFound('Account');
      const today = ctx.state.today();
      return ok(accountWire(a, c, today, a.balanceOn(today)));
    },
  },
  {
    name: 'UserInstitutionAccount/RefreshUserInstitutionAccount',
    method: 'POST',
    handle: (ctx) => {
      const a = ctx.state.account(ctx.userId, field(ctx, 'AccountID'));
      const c = a && ctx.state.connection(ctx.userId, a.connectionId);
      if (!a || !c) throw notFound('Account');
      return ok({
        JobID: ctx.state.startJob(c, 'refreshAccount', a.id).id,
        UserInstitutionID: c.id,
        AccountID: a.id,
      });
    },
  },
  {
    name: 'UserInstitutionAccount/GetFullAccountNumberWithinJob',
    method: 'POST',
    handle: (ctx) => {
      // With a JobID this is the answer to a verification job's "single account select": a
      // TransmitStatus like the other answers, 0 when the account is one of the job's connection,
      // else -1 (also when the job is not waiting for a pick). Without a JobID: the account read.
      if (ctx.body['jobid'] !== undefined && ctx.body['jobid'] !== null) {
        const job = jobOf(ctx);
        if (!job) return ok(-1);
        const c = ctx.state.connection(ctx.userId, job.userInstitutionId);
        return ok(
          job.answerAccountSelect(
            ctx.body['accountid'],
            (id) => c?.accounts.some((a) => a.id.toLowerCase() === id.trim().toLowerCase()) ?? false,
          ),
        );
      }
      const a = ctx.state.account(ctx.userId, field(ctx, 'AccountID'));
      const c = a && ctx.state.connection(ctx.userId, a.connectionId);
      if (!a || !c) throw notFound('Account');
      const today = ctx.state.today();
      return ok(accountWire(a, { ...c, fullAccountNumbers: true }, today, a.balanceOn(today)));
    },
  },

  // --- transactions ---
  {
    name: 'Transaction/GetTransactionsByTransactionDate',
    method: 'POST',
    handle: (ctx) => {
      const account = ctx.state.account(ctx.userId, field(ctx, 'AccountID'));
      if (!account) throw notFound('Account');
      const start = dateField(ctx, 'StartDate') ?? -1_000_000;
      const end = dateField(ctx, 'EndDate') ?? 1_000_000;
      return raw(account.rangeBody(ctx.state.today(), start, end, ctx.userId));
    },
  },

  // --- jobs and MFA ---
  {
    name: 'Job/GetJobInformationByID',
    method: 'POST',
    handle: (ctx) => {
      const job = ctx.state.job(ctx.userId, field(ctx, 'JobID'));
      if (!job) throw notFound('Job');
      return ok(job.poll(ctx.pollsPerStep, ctx.jobStepMs));
    },
  },
  {
    name: 'Job/UpdateJobSecurityAnswer',
    method: 'POST',
    handle: (ctx) => ok(jobOf(ctx)?.answerSecurity(ctx.body['securityanswer']) ?? -1),
  },
  {
    name: 'Job/UpdateJobTokenInput',
    method: 'POST',
    handle: (ctx) =>
      ok(
        jobOf(ctx)?.answerToken(
          ctx.body['tokenchoice'],
          ctx.body['tokeninput'],
          ctx.body['verifyphoneflag'],
        ) ?? -1,
      ),
  },
  {
    name: 'Job/UpdateJobCaptcha',
    method: 'POST',
    handle: (ctx) => ok(jobOf(ctx)?.answerCaptcha(ctx.body['captchainput']) ?? -1),
  },
  {
    name: 'Job/UpdateJobCaptchaInput',
    method: 'POST',
    handle: (ctx) => ok(jobOf(ctx)?.answerCaptcha(ctx.body['captchainput']) ?? -1),
  },
];

/** Lower-cased "controller/action" → route. */
export const v1Routes = new Map(routes.map((r) => [r.name.toLowerCase(), r]));
