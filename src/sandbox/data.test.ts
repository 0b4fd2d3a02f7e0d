/** Accounts, transactions, dates, the clock, isolation between users, v2 and the control API, over HTTP. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_MFA_BANK_ID } from './banks.js';
import { startSandbox, type RunningSandbox, type SandboxUser } from './index.js';
import { call, fetchJson } from './test-helpers.js';

const NOW = new Date('2026-03-15T12:00:00Z');
const USER_B: SandboxUser = {
  userId: 'bbbbbbbb-0000-4000-8000-000000000002',
  accessKey: Buffer.from('user-b-key').toString('base64'),
};

let sb: RunningSandbox;
let userA: SandboxUser;
let connectionId: string;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let accounts: any[];

const post = (path: string, body: unknown, user = userA) => call(sb.baseUrl, user, 'POST', path, body);

async function connectNoMfa(user: SandboxUser) {
  const r = await post(
    'UserInstitution/CreateUserInstitution',
    { InstitutionID: NO_MFA_BANK_ID, UserName: 'asdf', Password: 'asdf' },
    user,
  );
  for (let i = 0; i < 10; i++) {
    const j = await post('Job/GetJobInformationByID', { JobID: r.json.JobID }, user);
    if (j.json.SuccessFlag === true) break;
  }
  return r.json.UserInstitutionID as string;
}

beforeAll(async () => {
  sb = await startSandbox({
    pollsPerStep: 1,
    seed: 11,
    now: () => NOW,
    controlApi: true,
    users: [
      {
        userId: 'aaaaaaaa-0000-4000-8000-000000000001',
        accessKey: Buffer.from('user-a-key').toString('base64'),
      },
      USER_B,
    ],
  });
  userA = sb.users[0]!;
  connectionId = await connectNoMfa(userA);
  accounts = (await post('UserInstitution/GetUserInstitutionAccounts', { UserInstitutionID: connectionId }))
    .json;
});
afterAll(() => sb.close());

const byName = (name: string) => accounts.find((a) => a.AccountName === name);
const txs = async (accountId: string, start: unknown, end: unknown) =>
  (
    await post('Transaction/GetTransactionsByTransactionDate', {
      AccountID: accountId,
      StartDate: start,
      EndDate: end,
    })
  ).json;

describe('accounts', () => {
  it('has checking, savings, credit card, loan, investment and the 10,000+ transaction account', async () => {
    expect(accounts.map((a) => a.AccountType)).toEqual([
      'Checking',
      'Savings',
      'CreditCard',
      'Loan',
      'Investment',
      'Checking',
    ]);
    for (const a of accounts) {
      expect(a.ID).toBe(a.AccountID);
      expect(a.AccountNumber).toMatch(/^xxx\d{4}$/);
      expect(a.BalanceCurrency).toBe('$');
      expect(a.Status).toBe('Tracked');
      expect(a).toHaveProperty('FullAccountNumber', null);
      expect(a).toHaveProperty('UserInstitution', null);
    }
    const big = byName('High Volume Checking');
    const all = await txs(big.AccountID, '2021-01-01', '2099-12-31');
    expect(all.length).toBeGreaterThan(10_000);
  });

  it('balances agree with the transactions (running Balance, wire Balance and the truth)', async () => {
    for (const a of accounts) {
      const rows = await txs(a.AccountID, null, null);
      const posted = rows.filter((t: { Status: string }) => t.Status === 'Posted');
      for (let i = 1; i < posted.length; i++)
        expect(Math.round(posted[i].Balance * 100) - Math.round(posted[i - 1].Balance * 100)).toBe(
          Math.round(posted[i].Amount * 100),
        );
      expect(posted.at(-1).Balance).toBe(a.Balance);
      const truth = sb.control.balance(a.AccountID);
      expect(truth.balanceCents).toBe(Math.round(a.Balance * 100));
      expect(sb.control.postedTransactions(a.AccountID).length).toBe(posted.length);
    }
  });
});

describe('transactions', () => {
  it('have every field, signed amounts with a matching Type, ID == TransactionID', async () => {
    const rows = await txs(byName('Primary Checking').AccountID, '2021-01-01', '2021-12-31');
    expect(rows.length).toBeGreaterThan(100);
    for (const t of rows) {
      expect(t.ID).toBe(t.TransactionID);
      expect(t.UserInstitutionAccountID).toBe(byName('Primary Checking').AccountID);
      expect(t.UserID).toBe(userA.userId);
      expect(t.Type).toBe(t.Amount < 0 ? 'DEBIT' : 'CREDIT');
      expect(t.Currency).toBe('$');
      expect(t.Date).toMatch(/^\d{4}-\d{2}-\d{2}T00:00:00$/);
      for (const k of ['Merchant', 'Category', 'CheckNum', 'Memo', 'CheckImage', 'PostDate'])
        expect(t).toHaveProperty(k);
    }
    expect(rows.some((t: { Merchant: string | null }) => t.Merchant === null)).toBe(true);
    expect(rows.some((t: { Merchant: string | null }) => t.Merchant !== null)).toBe(true);
    expect(rows[0].TransactionDate >= '2021-01-01').toBe(true);
  });

  it('accepts every date format and treats both ends as inclusive', async () => {
    const id = byName('Primary Checking').AccountID;
    const expected = await txs(id, '2021-03-01', '2021-03-31');
    expect(expected.length).toBeGreaterThan(10);
    const variants: [unknown, unknown][] = [
      ['2021-03-01T00:00:00Z', '2021-03-31T23:59:59.999Z'],
      ['2021-03-01T00:00:00.000+05:00', '2021-03-31T00:00:00-08:00'],
      ['2021-03-01T00:00:00', '2021-03-31T00:00:00'],
      ['2021/03/01', '2021/03/31'],
      ['03/01/2021', '03/31/2021'],
      ['/Date(1614556800000)/', '/Date(1617148800000+0000)/'],
    ];
    for (const [s, e] of variants)
      expect(await txs(id, s, e), `${String(s)}..${String(e)}`).toEqual(expected);
    // Inclusive edges: a one-day range returns exactly that day's rows.
    const day = expected[5].TransactionDate.slice(0, 10);
    const oneDay = await txs(id, day, day);
    expect(oneDay.length).toBe(
      expected.filter((t: { TransactionDate: string }) => t.TransactionDate.startsWith(day)).length,
    );
    expect(oneDay.length).toBeGreaterThan(0);
  });

  it('answers a reversed range with an empty list and a bad date with a 400 naming the field', async () => {
    const id = byName('Primary Checking').AccountID;
    expect(await txs(id, '2021-03-31', '2021-03-01')).toEqual([]);
    const bad = await post('Transaction/GetTransactionsByTransactionDate', {
      AccountID: id,
      StartDate: 'yesterday',
      EndDate: '2021-01-01',
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.json)).toContain('StartDate');
    const missing = await post('Transaction/GetTransactionsByTransactionDate', { StartDate: '2021-01-01' });
    expect(missing.status).toBe(400);
    expect(JSON.stringify(missing.json)).toContain('AccountID');
  });

  it('routes and body keys are case-insensitive (Firefly sends lower-case keys and paths)', async () => {
    const id = byName('Primary Checking').AccountID;
    const canonical = await txs(id, '2021-02-01', '2021-02-28');
    const ff = await call(sb.baseUrl, userA, 'POST', 'transaction/getTransactionsByTransactionDate', {
      accountID: id,
      startDate: '2021-02-01',
      endDate: '2021-02-28',
    });
    expect(ff.json).toEqual(canonical);
    const shout = await call(sb.baseUrl, userA, 'POST', 'USERINSTITUTION/GETUSERINSTITUTIONACCOUNTS', {
      userinstitutionid: connectionId,
    });
    expect(shout.json.length).toBe(accounts.length);
    const byUser = await call(sb.baseUrl, userA, 'POST', 'userinstitution/getuserinstitutionsbyuser', {
      userID: userA.userId,
    });
    expect(byUser.json.map((c: { UserInstitutionID: string }) => c.UserInstitutionID)).toContain(
      connectionId,
    );
  });
});

describe('the clock', () => {
  it('pending transactions post under a new id 1–3 days later or vanish; new ones appear', async () => {
    const accountIds = accounts.map((a) => a.AccountID);
    let posted = 0;
    let vanished = 0;
    for (let step = 0; step < 30 && (posted < 2 || vanished < 1); step++) {
      const before = new Map<string, Record<string, unknown>[]>();
      // Only recent rows can change: read a window, not the whole history.
      const from = new Date(Date.parse(sb.control.today()) - 10 * 86_400_000).toISOString().slice(0, 10);
      for (const id of accountIds) before.set(id, await txs(id, from, null));
      const balanceBefore = accountIds.map((id) => sb.control.balance(id).balanceCents);
      sb.control.advanceDays(1);
      for (const [i, id] of accountIds.entries()) {
        const after = await txs(id, from, null);
        const oldIds = new Set(before.get(id)!.map((t) => t.TransactionID));
        const afterIds = new Set(after.map((t: { TransactionID: string }) => t.TransactionID));
        for (const p of before.get(id)!.filter((t) => t.Status === 'Pending')) {
          if (afterIds.has(p.TransactionID)) continue;
          const day = Date.parse(String(p.TransactionDate));
          const successor = after.find(
            (t: Record<string, unknown>) =>
              t.Status === 'Posted' &&
              !oldIds.has(t.TransactionID) &&
              t.Description === p.Description &&
              t.Amount === p.Amount,
          );
          if (successor) {
            const lag = (Date.parse(successor.TransactionDate) - day) / 86_400_000;
            expect(lag).toBeGreaterThanOrEqual(1);
            expect(lag).toBeLessThanOrEqual(3);
            expect(successor.TransactionID).not.toBe(p.TransactionID);
            posted++;
          } else vanished++;
        }
        // The balance moved by exactly the newly posted amounts.
        const newPosted = after.filter(
          (t: { Status: string; TransactionID: string }) =>
            t.Status === 'Posted' && !oldIds.has(t.TransactionID),
        );
        const moved = newPosted.reduce(
          (s: number, t: { Amount: number }) => s + Math.round(t.Amount * 100),
          0,
        );
        expect(sb.control.balance(id).balanceCents - balanceBefore[i]!).toBe(moved);
      }
    }
    expect(posted).toBeGreaterThanOrEqual(2);
    expect(vanished).toBeGreaterThanOrEqual(1);
    expect(sb.control.today() > '2026-03-15').toBe(true);
  });

  it('transactions added through the control handle appear on the wire and move the balance', async () => {
    const id = byName('Primary Savings').AccountID;
    const before = sb.control.balance(id).balanceCents;
    const today = sb.control.today();
    const txId = sb.control.addTransaction(id, {
      amountCents: -1234,
      description: 'SANDBOX TEST DEBIT',
      merchant: 'Test Shop',
    });
    const rows = await txs(id, today, today);
    expect(rows.find((t: { TransactionID: string }) => t.TransactionID === txId)).toMatchObject({
      Amount: -12.34,
      Type: 'DEBIT',
      Merchant: 'Test Shop',
      Status: 'Posted',
    });
    expect(sb.control.balance(id).balanceCents).toBe(before - 1234);
  });
});

describe('users are separate', () => {
  it('user B sees none of user A’s connections, accounts, transactions, jobs or customers', async () => {
    await call(sb.baseUrl, userA, 'POST', 'v2/customers', { UniqueID: 'a-only', Name: 'A', Source: 'test' });
    expect(
      (await post('UserInstitution/GetUserInstitutionsByUser', { UserID: userA.userId }, USER_B)).json,
    ).toEqual([]);
    expect((await post('Institution/GetInstitutionsByUser', { UserID: userA.userId }, USER_B)).json).toEqual(
      [],
    );
    expect(
      (await post('UserInstitution/GetUserInstitutionAccounts', { UserInstitutionID: connectionId }, USER_B))
        .status,
    ).toBe(404);
    expect(
      (
        await post(
          'UserInstitutionAccount/GetUserInstitutionAccountByID',
          { AccountID: accounts[0].AccountID },
          USER_B,
        )
      ).status,
    ).toBe(404);
    const t = await post(
      'Transaction/GetTransactionsByTransactionDate',
      { AccountID: accounts[0].AccountID },
      USER_B,
    );
    expect(t.status).toBe(404);
    expect((await call(sb.baseUrl, USER_B, 'GET', 'v2/customers')).json).toEqual([]);
    // B's own connection is invisible to A.
    const bConn = await connectNoMfa(USER_B);
    expect(
      (await post('UserInstitution/GetUserInstitutionsByUser', {}, userA)).json.map(
        (c: { UserInstitutionID: string }) => c.UserInstitutionID,
      ),
    ).not.toContain(bConn);
    expect(
      (await post('UserInstitution/GetUserInstitutionByID', { UserInstitutionID: bConn }, userA)).status,
    ).toBe(404);
  });
});

describe('institutions', () => {
  it('searches names fuzzily, and finds by id and routing number', async () => {
    const search = async (q: string) =>
      (await post('Institution/GetInstitutionByName', { InstitutionName: q })).json.map(
        (i: { InstitutionName: string }) => i.InstitutionName,
      );
    expect((await search('sophtron bank'))[0]).toBe('Sophtron Bank');
    expect(await search('maple')).toEqual(['Northern Maple Bank']);
    expect((await search('banco sol'))[0]).toBe('Banco del Sol de México');
    expect((await search('harbourview'))[0]).toBe('Harborview National Bank');
    expect(await search('zzzz')).toEqual([]);
    const one = await post('Institution/GetInstitutionByID', { InstitutionID: NO_MFA_BANK_ID });
    expect(one.json).toMatchObject({
      InstitutionName: 'Sophtron Bank NoMFA',
      CountryCode: 'US',
      IsFinancial: true,
    });
    expect(Object.keys(one.json.InstitutionDetail).sort()).toEqual([
      'LoginFormFields',
      'LoginFormPassword',
      'LoginFormUserName',
      'MultipleRoutingNumbers',
      'RoutingNumber',
    ]);
    const rn = await post('Institution/GetInstitutionByRoutingNumber', {
      RoutingNumber: one.json.InstitutionDetail.RoutingNumber,
    });
    expect(rn.json[0].InstitutionID).toBe(NO_MFA_BANK_ID);
    const all = await call(sb.baseUrl, userA, 'GET', 'v2/institutions');
    expect(new Set(all.json.map((i: { CountryCode: string }) => i.CountryCode))).toEqual(
      new Set(['US', 'CA', 'MX']),
    );
    const q = await call(sb.baseUrl, userA, 'GET', 'v2/institutions?type=Financial&query=granite');
    expect(q.json.map((i: { InstitutionName: string }) => i.InstitutionName)).toEqual([
      'Granite State Credit Union',
    ]);
  });
});

describe('v2', () => {
  it('customers: create, list, filter by uniqueID (any key case), get, members, accounts, transactions, delete', async () => {
    const created = await call(sb.baseUrl, userA, 'POST', 'v2/customers', {
      UniqueID: 'fam-1',
      Name: 'Family 1',
      Source: 'Sophtron Sync',
    });
    expect(created.json).toMatchObject({ CustomerID: expect.any(String), UniqueID: 'fam-1', MemberIDs: [] });
    const cid = created.json.CustomerID;
    expect(
      (await call(sb.baseUrl, userA, 'GET', 'v2/customers?UniqueId=fam-1')).json.map(
        (c: { CustomerID: string }) => c.CustomerID,
      ),
    ).toEqual([cid]);
    expect((await call(sb.baseUrl, userA, 'GET', 'v2/customers?uniqueID=nope')).json).toEqual([]);
    expect((await call(sb.baseUrl, userA, 'GET', `v2/customers/${cid}`)).json.CustomerID).toBe(cid);

    const member = await call(sb.baseUrl, userA, 'POST', `v2/customers/${cid}/members/aggregate`, {
      UserName: 'asdf',
      Password: 'asdf',
      InstitutionID: NO_MFA_BANK_ID,
    });
    expect(member.json).toMatchObject({ MemberID: expect.any(String), JobID: expect.any(String) });
    let job;
    for (let i = 0; i < 10; i++) {
      job = (await call(sb.baseUrl, userA, 'GET', `v2/job/${member.json.JobID}`)).json;
      if (job.SuccessFlag !== null) break;
    }
    expect(job.SuccessFlag).toBe(true);
    const members = (await call(sb.baseUrl, userA, 'GET', `v2/customers/${cid}/members`)).json;
    expect(members.map((m: { MemberID: string }) => m.MemberID)).toEqual([member.json.MemberID]);
    const accts = (await call(sb.baseUrl, userA, 'GET', `v2/customers/${cid}/accounts`)).json;
    expect(accts.length).toBeGreaterThanOrEqual(5);
    const tx = await call(
      sb.baseUrl,
      userA,
      'GET',
      `v2/customers/${cid}/accounts/${accts[0].AccountID}/transactions?startDate=2025-01-01&endDate=2025-01-31`,
    );
    expect(tx.status).toBe(200);
    expect(tx.json.length).toBeGreaterThan(0);
    expect(tx.json.every((t: { TransactionDate: string }) => t.TransactionDate.startsWith('2025-01'))).toBe(
      true,
    );

    expect((await call(sb.baseUrl, userA, 'DELETE', `v2/customers/${cid}`)).status).toBe(200);
    expect((await call(sb.baseUrl, userA, 'GET', `v2/customers/${cid}`)).status).toBe(404);
  });

  it('answers challenges through PUT v2/job/{id}/challenge/{challengeId}', async () => {
    const cust = (await call(sb.baseUrl, userA, 'POST', 'v2/customers', { UniqueID: 'fam-2' })).json;
    const m = await call(
      sb.baseUrl,
      userA,
      'POST',
      `v2/customers/${cust.CustomerID}/members/aggregate_identity`,
      {
        UserName: 'asdf',
        Password: 'asdf',
        InstitutionID: '0fe7236b-079a-4fe6-aed9-cf194790a553',
      },
    );
    let job;
    for (let i = 0; i < 10 && !job?.TokenRead; i++)
      job = (await call(sb.baseUrl, userA, 'GET', `v2/job/${m.json.JobID}`)).json;
    expect(job.TokenRead).toBeTruthy();
    expect(
      (
        await call(sb.baseUrl, userA, 'PUT', `v2/job/${m.json.JobID}/challenge/TokenRead`, {
          AnswerText: false,
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await call(sb.baseUrl, userA, 'PUT', `v2/job/${m.json.JobID}/challenge/TokenRead`, {
          AnswerText: true,
        })
      ).status,
    ).toBe(200);
    for (let i = 0; i < 10 && job.SuccessFlag === null; i++)
      job = (await call(sb.baseUrl, userA, 'GET', `v2/job/${m.json.JobID}`)).json;
    expect(job.SuccessFlag).toBe(true);
  });
});

describe('control API over HTTP', () => {
  it('moves the clock, lists connections, adds a transaction and reads the truth', async () => {
    const ctl = sb.controlUrl!;
    const state = await fetchJson(ctl);
    expect(state.users).toContain(userA.userId);
    const conns = await fetchJson(`${ctl}/connections?userId=${userA.userId}`);
    const acct = conns.find((c: { userInstitutionId: string }) => c.userInstitutionId === connectionId)
      .accounts[0];
    const advanced = await fetchJson(`${ctl}/clock/advance`, {
      method: 'POST',
      body: JSON.stringify({ days: 2 }),
    });
    expect(advanced.today).toBe(sb.control.today());
    const add = await fetch(`${ctl}/accounts/${acct.accountId}/transactions`, {
      method: 'POST',
      body: JSON.stringify({ amountCents: 5000, description: 'REFUND', status: 'pending' }),
    });
    expect(add.status).toBe(201);
    const { transactionId } = (await add.json()) as { transactionId: string };
    const pending = await fetchJson(`${ctl}/accounts/${acct.accountId}/transactions?status=pending`);
    expect(pending.map((t: { transactionId: string }) => t.transactionId)).toContain(transactionId);
    const balance = await fetchJson(`${ctl}/accounts/${acct.accountId}/balance`);
    expect(balance).toEqual(sb.control.balance(acct.accountId));
    const bad = await fetch(`${ctl}/clock/advance`, { method: 'POST', body: JSON.stringify({ days: -1 }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/days/);
  });

  it('is off unless enabled', async () => {
    const off = await startSandbox({ pollsPerStep: 1 });
    try {
      expect(off.controlUrl).toBeNull();
      const origin = new URL(off.baseUrl).origin;
      expect((await fetch(`${origin}/__sandbox/connections`)).status).toBe(404);
    } finally {
      await off.close();
    }
  });
});

describe('isoCurrency', () => {
  it('sends USD (and CAD for a Canadian bank) instead of "$"', async () => {
    const iso = await startSandbox({ pollsPerStep: 1, isoCurrency: true, bigAccount: false });
    try {
      const u = iso.users[0]!;
      const bank = (
        await call(iso.baseUrl, u, 'POST', 'Institution/GetInstitutionByName', {
          InstitutionName: 'Northern Maple',
        })
      ).json[0];
      for (const [id, currency] of [
        [NO_MFA_BANK_ID, 'USD'],
        [bank.InstitutionID, 'CAD'],
      ]) {
        const r = await call(iso.baseUrl, u, 'POST', 'UserInstitution/CreateUserInstitution', {
          InstitutionID: id,
          UserName: 'asdf',
          Password: 'asdf',
        });
        for (let i = 0; i < 5; i++)
          await call(iso.baseUrl, u, 'POST', 'Job/GetJobInformationByID', { JobID: r.json.JobID });
        const a = (
          await call(iso.baseUrl, u, 'POST', 'UserInstitution/GetUserInstitutionAccounts', {
            UserInstitutionID: r.json.UserInstitutionID,
          })
        ).json;
        expect(a.length).toBe(5);
        expect(a[0].BalanceCurrency).toBe(currency);
        const t = (
          await call(iso.baseUrl, u, 'POST', 'Transaction/GetTransactionsByTransactionDate', {
            AccountID: a[0].AccountID,
          })
        ).json;
        expect(t[0].Currency).toBe(currency);
      }
    } finally {
      await iso.close();
    }
  });
});
