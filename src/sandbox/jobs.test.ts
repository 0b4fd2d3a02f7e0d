/** Every test bank's login + MFA sequence driven over real HTTP, as a client would. */
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAVORITE_COLOR, SOPHTRON_BANK_TOKEN_METHODS, TEST_BANKS, TOKEN_BANK_METHODS } from './banks.js';
import { startSandbox, type RunningSandbox } from './index.js';
import { call, pollUntil } from './test-helpers.js';

let sb: RunningSandbox;
beforeAll(async () => {
  sb = await startSandbox({ pollsPerStep: 1, seed: 3 });
});
afterAll(() => sb.close());

const user = () => sb.users[0]!;
const post = (path: string, body: unknown) => call(sb.baseUrl, user(), 'POST', path, body);
const bankId = (name: string) => TEST_BANKS.find((b) => b.name === name)!.id;

async function connect(name: string, userName = 'asdfg12X', password = 'asdfg12X') {
  const r = await post('UserInstitution/CreateUserInstitution', {
    UserID: user().userId,
    InstitutionID: bankId(name),
    UserName: userName,
    Password: password,
    PIN: '',
  });
  expect(r.status).toBe(200);
  expect(r.json).toEqual({ JobID: expect.any(String), UserInstitutionID: expect.any(String) });
  return r.json as { JobID: string; UserInstitutionID: string };
}

/** Polls to the end, checking AccountsReady comes before Completed with SuccessFlag true. */
async function finish(jobId: string) {
  const statuses: string[] = [];
  for (let i = 0; i < 20; i++) {
    const { json } = await post('Job/GetJobInformationByID', { JobID: jobId });
    statuses.push(json.LastStatus);
    if (json.SuccessFlag !== null) {
      expect(statuses).toContain('AccountsReady');
      return json;
    }
  }
  throw new Error('job did not finish');
}

async function readAccountsAndTransactions(userInstitutionId: string) {
  const accounts = await post('UserInstitution/GetUserInstitutionAccounts', {
    UserInstitutionID: userInstitutionId,
  });
  expect(accounts.status).toBe(200);
  expect(accounts.json.map((a: { AccountType: string }) => a.AccountType)).toEqual(
    expect.arrayContaining(['Checking', 'Savings', 'CreditCard', 'Loan', 'Investment']),
  );
  const checking = accounts.json.find((a: { AccountName: string }) => a.AccountName === 'Primary Checking');
  expect(checking.AccountNumber).toBe('xxx1234');
  const tx = await post('Transaction/GetTransactionsByTransactionDate', {
    AccountID: checking.AccountID,
    StartDate: '2021-01-01',
    EndDate: '2021-01-31',
  });
  expect(tx.status).toBe(200);
  expect(tx.json.length).toBeGreaterThan(10);
  return tx.json;
}

const JOB_FIELDS = [
  'JobID',
  'JobType',
  'UserInstitutionID',
  'AccountID',
  'SuccessFlag',
  'LastStep',
  'LastStatus',
  'SecurityQuestion',
  'SecurityAnswer',
  'TokenMethod',
  'TokenChoice',
  'TokenSentFlag',
  'TokenInputName',
  'TokenInput',
  'TokenRead',
  'VerifyPhoneFlag',
  'CaptchaImage',
  'CaptchaInput',
  'ErrorMessage',
];

describe('test banks over HTTP', () => {
  it('Sophtron Bank: captcha, then security question, then token method, then token', async () => {
    const { JobID, UserInstitutionID } = await connect('Sophtron Bank');
    const first = await post('Job/GetJobInformationByID', { JobID });
    expect(Object.keys(first.json).sort()).toEqual([...JOB_FIELDS].sort());
    expect(first.json).toMatchObject({
      JobType: 'AddAccounts',
      AccountID: '00000000-0000-0000-0000-000000000000',
      SuccessFlag: null,
      LastStep: 'LogInPanel',
      LastStatus: 'Started',
    });

    const captcha = await pollUntil(sb.baseUrl, user(), JobID);
    expect(captcha.SecurityQuestion).toBeNull();
    expect(captcha.CaptchaImage).toMatch(/^iVBORw0KGgo/);
    const png = PNG.sync.read(Buffer.from(captcha.CaptchaImage, 'base64'));
    expect(png.width).toBeGreaterThan(40);
    expect(png.height).toBeGreaterThan(20);
    expect((await post('Job/UpdateJobSecurityAnswer', { JobID, SecurityAnswer: '["x"]' })).json).toBe(-1);
    expect((await post('Job/UpdateJobCaptcha', { JobID, CaptchaInput: 'asdf' })).json).toBe(0);

    const question = await pollUntil(sb.baseUrl, user(), JobID);
    expect(question.CaptchaImage).toBeNull();
    expect(question.SecurityQuestion).toBe(JSON.stringify([FAVORITE_COLOR]));
    expect(JSON.parse(question.SecurityQuestion)).toEqual(['What is your favorite color?']);
    expect((await post('Job/UpdateJobSecurityAnswer', { JobID, SecurityAnswer: '["blue"]' })).json).toBe(0);

    const method = await pollUntil(sb.baseUrl, user(), JobID);
    expect(JSON.parse(method.TokenMethod)).toEqual(SOPHTRON_BANK_TOKEN_METHODS);
    expect(method.SecurityQuestion).toBeNull();
    expect(
      (
        await post('Job/UpdateJobTokenInput', {
          JobID,
          TokenChoice: 'not a listed method',
          TokenInput: null,
          VerifyPhoneFlag: null,
        })
      ).json,
    ).toBe(-1);
    expect(
      (
        await post('Job/UpdateJobTokenInput', {
          JobID,
          TokenChoice: SOPHTRON_BANK_TOKEN_METHODS[0],
          TokenInput: null,
          VerifyPhoneFlag: null,
        })
      ).json,
    ).toBe(0);

    const token = await pollUntil(sb.baseUrl, user(), JobID);
    expect(token).toMatchObject({
      TokenSentFlag: true,
      TokenInputName: 'Token',
      TokenMethod: null,
      LastStep: 'TokenInput',
    });
    expect(
      (
        await post('Job/UpdateJobTokenInput', {
          JobID,
          TokenChoice: null,
          TokenInput: '123456',
          VerifyPhoneFlag: null,
        })
      ).json,
    ).toBe(0);

    const done = await finish(JobID);
    expect(done).toMatchObject({ SuccessFlag: true, LastStatus: 'Completed', ErrorMessage: null });
    await readAccountsAndTransactions(UserInstitutionID);
  });

  it('NoMFA connects without a challenge (asdf/asdf)', async () => {
    const { JobID, UserInstitutionID } = await connect('Sophtron Bank NoMFA', 'asdf', 'asdf');
    const done = await finish(JobID);
    expect(done.SuccessFlag).toBe(true);
    const txs = await readAccountsAndTransactions(UserInstitutionID);
    expect(txs[0].TransactionDate.startsWith('2021-01')).toBe(true);
  });

  it('SecurityQuestion: one question', async () => {
    const { JobID, UserInstitutionID } = await connect('Sophtron Bank SecurityQuestion');
    const q = await pollUntil(sb.baseUrl, user(), JobID);
    expect(JSON.parse(q.SecurityQuestion)).toEqual([FAVORITE_COLOR]);
    expect((await post('Job/UpdateJobSecurityAnswer', { JobID, SecurityAnswer: '["blue"]' })).json).toBe(0);
    expect((await finish(JobID)).SuccessFlag).toBe(true);
    await readAccountsAndTransactions(UserInstitutionID);
  });

  it('SecurityQuestion Multiple: several questions at once, one answer each', async () => {
    const { JobID, UserInstitutionID } = await connect('Sophtron Bank SecurityQuestion Multiple');
    const q = await pollUntil(sb.baseUrl, user(), JobID);
    const questions = JSON.parse(q.SecurityQuestion) as string[];
    expect(questions.length).toBe(3);
    expect((await post('Job/UpdateJobSecurityAnswer', { JobID, SecurityAnswer: '["blue"]' })).json).toBe(-1);
    expect((await post('Job/UpdateJobSecurityAnswer', { JobID, SecurityAnswer: 'blue' })).json).toBe(-1);
    const answer = JSON.stringify(['blue', 'rex', 'Seattle']);
    expect((await post('Job/UpdateJobSecurityAnswer', { JobID, SecurityAnswer: answer })).json).toBe(0);
    expect((await finish(JobID)).SuccessFlag).toBe(true);
    await readAccountsAndTransactions(UserInstitutionID);
  });

  it('Token: method choice, then code', async () => {
    const { JobID, UserInstitutionID } = await connect('Sophtron Bank Token', 'asdf', 'asdf');
    const m = await pollUntil(sb.baseUrl, user(), JobID);
    expect(JSON.parse(m.TokenMethod)).toEqual(TOKEN_BANK_METHODS);
    expect((await post('Job/UpdateJobTokenInput', { JobID, TokenChoice: TOKEN_BANK_METHODS[1] })).json).toBe(
      0,
    );
    const t = await pollUntil(sb.baseUrl, user(), JobID);
    expect(t.TokenSentFlag).toBe(true);
    expect((await post('Job/UpdateJobTokenInput', { JobID, TokenInput: '' })).json).toBe(-1);
    expect((await post('Job/UpdateJobTokenInput', { JobID, TokenInput: '4242' })).json).toBe(0);
    expect((await finish(JobID)).SuccessFlag).toBe(true);
    await readAccountsAndTransactions(UserInstitutionID);
  });

  it('TokenRead: shows a code to approve, answered with VerifyPhoneFlag true', async () => {
    const { JobID, UserInstitutionID } = await connect('Sophtron Bank TokenRead');
    const r = await pollUntil(sb.baseUrl, user(), JobID);
    expect(r.TokenRead).toMatch(/^\d+$/);
    expect(r.LastStep).toBe('TokenInput');
    expect((await post('Job/UpdateJobTokenInput', { JobID, VerifyPhoneFlag: false })).json).toBe(-1);
    expect(
      (
        await post('Job/UpdateJobTokenInput', {
          JobID,
          TokenChoice: null,
          TokenInput: null,
          VerifyPhoneFlag: true,
        })
      ).json,
    ).toBe(0);
    expect((await finish(JobID)).SuccessFlag).toBe(true);
    await readAccountsAndTransactions(UserInstitutionID);
  });

  it('Captcha: answered through UpdateJobCaptchaInput as well', async () => {
    const { JobID, UserInstitutionID } = await connect('Sophtron Bank Captcha');
    const c = await pollUntil(sb.baseUrl, user(), JobID);
    const png = PNG.sync.read(Buffer.from(c.CaptchaImage, 'base64'));
    expect(png.data.length).toBe(png.width * png.height * 4);
    expect(sb.control.captchaCode(JobID)).toMatch(/^\d{5}$/);
    expect((await post('Job/UpdateJobCaptchaInput', { JobID, CaptchaInput: '' })).json).toBe(-1);
    expect((await post('Job/UpdateJobCaptchaInput', { JobID, CaptchaInput: 'anything' })).json).toBe(0);
    expect((await finish(JobID)).SuccessFlag).toBe(true);
    await readAccountsAndTransactions(UserInstitutionID);
  });

  it.each([
    ['a wrong password of a test bank', 'Sophtron Bank NoMFA', 'asdf', 'nope'],
    ['the "fail" trigger', 'Cascade Federal Credit Union', 'someone', 'fail'],
  ])('fails with SuccessFlag false and an ErrorMessage: %s', async (_what, bank, userName, password) => {
    const id =
      TEST_BANKS.find((b) => b.name === bank)?.id ??
      (await post('Institution/GetInstitutionByName', { InstitutionName: bank })).json[0].InstitutionID;
    const r = await post('UserInstitution/CreateUserInstitution', {
      InstitutionID: id,
      UserName: userName,
      Password: password,
    });
    const done = await pollUntil(sb.baseUrl, user(), r.json.JobID);
    expect(done).toMatchObject({
      SuccessFlag: false,
      LastStatus: 'Completed',
      ErrorMessage: 'Invalid credentials',
    });
    const accounts = await post('UserInstitution/GetUserInstitutionAccounts', {
      UserInstitutionID: r.json.UserInstitutionID,
    });
    expect(accounts.json).toEqual([]);
    // Answers to a finished job are refused.
    expect((await post('Job/UpdateJobCaptcha', { JobID: r.json.JobID, CaptchaInput: 'x' })).json).toBe(-1);
    expect(
      (await post('Job/UpdateJobSecurityAnswer', { JobID: 'no-such-job', SecurityAnswer: '["x"]' })).json,
    ).toBe(-1);
  });

  it('the "timeout" trigger ends with LastStatus Timeout', async () => {
    const { JobID } = await connect('Sophtron Bank NoMFA', 'asdf', 'timeout');
    expect(await pollUntil(sb.baseUrl, user(), JobID)).toMatchObject({
      SuccessFlag: false,
      LastStatus: 'Timeout',
    });
  });

  it('refresh asks for MFA again for user "mfa-on-refresh" and after a control call; a control call can make it fail', async () => {
    const bank = (await post('Institution/GetInstitutionByName', { InstitutionName: 'harborview' })).json[0];
    const r = await post('UserInstitution/CreateUserInstitution', {
      InstitutionID: bank.InstitutionID,
      UserName: 'mfa-on-refresh',
      Password: 'pw',
    });
    expect((await finish(r.json.JobID)).SuccessFlag).toBe(true);
    const refresh = await post('UserInstitution/RefreshUserInstitution', {
      UserInstitutionID: r.json.UserInstitutionID,
    });
    const q = await pollUntil(sb.baseUrl, user(), refresh.json.JobID);
    expect(q.JobType).toBe('RefreshUserInstitution');
    expect(JSON.parse(q.SecurityQuestion)).toEqual([FAVORITE_COLOR]);
    expect(
      (await post('Job/UpdateJobSecurityAnswer', { JobID: refresh.json.JobID, SecurityAnswer: '["blue"]' }))
        .json,
    ).toBe(0);
    expect((await finish(refresh.json.JobID)).SuccessFlag).toBe(true);

    const nomfa = await connect('Sophtron Bank NoMFA', 'asdf', 'asdf');
    await finish(nomfa.JobID);
    const accounts = await post('UserInstitution/GetUserInstitutionAccounts', {
      UserInstitutionID: nomfa.UserInstitutionID,
    });
    const accountId = accounts.json[0].AccountID;
    const plain = await post('UserInstitutionAccount/RefreshUserInstitutionAccount', {
      AccountID: accountId,
    });
    const plainDone = await finish(plain.json.JobID);
    expect(plainDone).toMatchObject({ SuccessFlag: true, AccountID: accountId, JobType: 'RefreshAccount' });

    sb.control.failNext(nomfa.UserInstitutionID, 'mfa');
    const again = await post('UserInstitutionAccount/RefreshUserInstitutionAccount', {
      AccountID: accountId,
    });
    expect((await pollUntil(sb.baseUrl, user(), again.json.JobID)).SecurityQuestion).toBeTruthy();

    sb.control.failNext(nomfa.UserInstitutionID, 'fail');
    const failing = await post('UserInstitution/RefreshUserInstitution', {
      UserInstitutionID: nomfa.UserInstitutionID,
    });
    expect(await pollUntil(sb.baseUrl, user(), failing.json.JobID)).toMatchObject({
      SuccessFlag: false,
      ErrorMessage: 'Invalid credentials',
    });
    // One-shot: the next refresh works again.
    const ok = await post('UserInstitution/RefreshUserInstitution', {
      UserInstitutionID: nomfa.UserInstitutionID,
    });
    expect((await finish(ok.json.JobID)).SuccessFlag).toBe(true);
  });

  it('retry, update and delete a user institution', async () => {
    const r = await connect('Sophtron Bank NoMFA', 'asdf', 'wrong');
    expect((await pollUntil(sb.baseUrl, user(), r.JobID)).SuccessFlag).toBe(false);
    const retry = await post('UserInstitution/RetryAddingUserInstitution', {
      UserInstitutionID: r.UserInstitutionID,
    });
    expect((await pollUntil(sb.baseUrl, user(), retry.json.JobID)).SuccessFlag).toBe(false);
    const update = await post('UserInstitution/UpdateUserInstitution', {
      UserInstitutionID: r.UserInstitutionID,
      UserName: 'asdf',
      Password: 'asdf',
    });
    expect((await finish(update.json.JobID)).SuccessFlag).toBe(true);
    const byId = await post('UserInstitution/GetUserInstitutionByID', {
      UserInstitutionID: r.UserInstitutionID,
    });
    expect(byId.json).toMatchObject({
      UserInstitutionID: r.UserInstitutionID,
      UserName: 'asdf',
      CompanyID: null,
    });
    expect(
      (await post('UserInstitution/DeleteUserInstitution', { UserInstitutionID: r.UserInstitutionID })).json,
    ).toBe(0);
    expect(
      (await post('UserInstitution/GetUserInstitutionByID', { UserInstitutionID: r.UserInstitutionID }))
        .status,
    ).toBe(404);
  });

  it('a control call makes the next login of a bank without MFA ask a question, once', async () => {
    const r = await connect('Sophtron Bank NoMFA', 'asdf', 'asdf');
    await finish(r.JobID);
    sb.control.failNext(r.UserInstitutionID, 'mfa');
    const update = await post('UserInstitution/UpdateUserInstitution', {
      UserInstitutionID: r.UserInstitutionID,
    });
    const q = await pollUntil(sb.baseUrl, user(), update.json.JobID);
    expect(JSON.parse(q.SecurityQuestion)).toEqual([FAVORITE_COLOR]);
    expect(
      (await post('Job/UpdateJobSecurityAnswer', { JobID: update.json.JobID, SecurityAnswer: '["blue"]' }))
        .json,
    ).toBe(0);
    expect((await finish(update.json.JobID)).SuccessFlag).toBe(true);
    const again = await post('UserInstitution/RetryAddingUserInstitution', {
      UserInstitutionID: r.UserInstitutionID,
    });
    expect((await pollUntil(sb.baseUrl, user(), again.json.JobID)).SuccessFlag).toBe(true);
    // The request log knows who called what.
    const entry = sb.control
      .requestLog()
      .findLast((e) => e.endpoint === 'UserInstitution/RetryAddingUserInstitution');
    expect(entry).toMatchObject({ userId: user().userId, status: 200, fault: null, method: 'POST' });
  });

  it('every create variant returns a job tracker; WOJob has the accounts at once', async () => {
    for (const variant of [
      'WithRefresh',
      'WithFullHistory',
      'WithAll',
      'WithProfileInfo',
      'WithAllPlusProfile',
    ]) {
      const r = await post(`UserInstitution/CreateUserInstitution${variant}`, {
        UserID: user().userId,
        InstitutionID: bankId('Sophtron Bank NoMFA'),
        UserName: 'asdf',
        Password: 'asdf',
      });
      expect(r.status, variant).toBe(200);
      expect((await finish(r.json.JobID)).SuccessFlag, variant).toBe(true);
    }
    const wo = await post('UserInstitution/CreateUserInstitutionWOJob', {
      InstitutionID: bankId('Sophtron Bank NoMFA'),
      UserName: 'asdf',
      Password: 'asdf',
    });
    expect(wo.json.JobID).toBe('00000000-0000-0000-0000-000000000000');
    const a = await post('UserInstitution/GetUserInstitutionAccounts', {
      UserInstitutionID: wo.json.UserInstitutionID,
    });
    expect(a.json.length).toBeGreaterThanOrEqual(5);
  });

  it('a verification job (WithFullAccountNumbers) waits at AccountsReady until one account is picked', async () => {
    const r = await post('UserInstitution/CreateUserInstitutionWithFullAccountNumbers', {
      UserID: user().userId,
      InstitutionID: bankId('Sophtron Bank NoMFA'),
      UserName: 'asdf',
      Password: 'asdf',
    });
    expect(r.status).toBe(200);
    const jobId: string = r.json.JobID;
    let info;
    for (let i = 0; i < 10; i++) {
      info = (await post('Job/GetJobInformationByID', { JobID: jobId })).json;
      if (info.LastStatus === 'AccountsReady') break;
    }
    expect(info).toMatchObject({ JobType: 'Verification', LastStatus: 'AccountsReady', SuccessFlag: null });
    // It stays there: polling alone never finishes a verification job.
    for (let i = 0; i < 5; i++) {
      const again = (await post('Job/GetJobInformationByID', { JobID: jobId })).json;
      expect(again).toMatchObject({ LastStatus: 'AccountsReady', SuccessFlag: null });
    }
    const accounts = await post('UserInstitution/GetUserInstitutionAccounts', {
      UserInstitutionID: r.json.UserInstitutionID,
    });
    expect(accounts.json[0].FullAccountNumber).toMatch(/^\d+$/);
    expect(accounts.json[0].RoutingNumber).toMatch(/^\d{9}$/);

    // An account of another connection is refused (-1); the route name is case-insensitive.
    const other = await connect('Sophtron Bank NoMFA', 'asdf', 'asdf');
    await finish(other.JobID);
    const otherAccounts = await post('UserInstitution/GetUserInstitutionAccounts', {
      UserInstitutionID: other.UserInstitutionID,
    });
    const wrong = await post('userinstitutionaccount/getfullaccountnumberwithinjob', {
      AccountID: otherAccounts.json[0].AccountID,
      JobID: jobId,
    });
    expect(wrong).toMatchObject({ status: 200, json: -1 });
    expect((await post('Job/GetJobInformationByID', { JobID: jobId })).json.SuccessFlag).toBeNull();

    const pick = await post('UserInstitutionAccount/GetFullAccountNumberWithinJob', {
      AccountID: accounts.json[1].AccountID,
      JobID: jobId,
    });
    expect(pick).toMatchObject({ status: 200, json: 0 });
    const done = (await post('Job/GetJobInformationByID', { JobID: jobId })).json;
    expect(done).toMatchObject({ JobType: 'Verification', LastStatus: 'Completed', SuccessFlag: true });
    // A second pick after the job has finished is refused.
    const late = await post('UserInstitutionAccount/GetFullAccountNumberWithinJob', {
      AccountID: accounts.json[1].AccountID,
      JobID: jobId,
    });
    expect(late.json).toBe(-1);
  });
});

describe('job timings', () => {
  it('a job step ends after jobStepMs, however rarely the client polls (or after pollsPerStep polls)', async () => {
    let t = 0;
    const timed = await startSandbox({ pollsPerStep: 10_000, jobStepMs: 1000, jobClock: () => t, seed: 3 });
    try {
      const u = timed.users[0]!;
      const r = await call(timed.baseUrl, u, 'POST', 'UserInstitution/CreateUserInstitution', {
        UserID: u.userId,
        InstitutionID: bankId('Sophtron Bank NoMFA'),
        UserName: 'asdfg12X',
        Password: 'asdfg12X',
        PIN: '',
      });
      const poll = async () =>
        (await call(timed.baseUrl, u, 'POST', 'Job/GetJobInformationByID', { JobID: r.json.JobID })).json;
      expect((await poll()).LastStatus).toBe('Started');
      expect((await poll()).LastStatus).toBe('Started');
      t += 1000;
      expect((await poll()).LastStatus).toBe('AccountsReady');
      t += 999;
      expect((await poll()).LastStatus).toBe('AccountsReady');
      t += 1;
      expect(await poll()).toMatchObject({ LastStatus: 'Completed', SuccessFlag: true });
    } finally {
      await timed.close();
    }
  });
});
