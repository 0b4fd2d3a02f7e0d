import { describe, expect, it } from 'vitest';
import { SophtronInvalidResponseError } from './errors.js';
import {
  normalizeAccountType,
  parseAccounts,
  parseAnswerResult,
  parseConnections,
  parseInstitutions,
  parseJob,
  parseJobTracker,
  parseStringList,
  parseTransactions,
} from './schemas.js';

const ACCOUNTS = 'UserInstitution/GetUserInstitutionAccounts';
const TXS = 'Transaction/GetTransactionsByTransactionDate';
const JOB = 'Job/GetJobInformationByID';

const helpAccount = {
  UserInstitutionID: 'ui-1',
  AccountID: 'acc-1',
  ID: 'acc-1',
  AccountName: 'Primary Checking',
  AccountNumber: '1234',
  AccountType: 'Checking',
  SubType: null,
  Balance: 1500.25,
  AvailableBalance: 1400.0,
  BalanceCurrency: '$',
  LastUpdated: '2024-05-01T10:00:00',
  DueDate: null,
  Status: 'Tracked',
};

describe('accounts', () => {
  it('reads the help-page shape', () => {
    expect(parseAccounts(ACCOUNTS, [helpAccount], 'ui-1')).toEqual([
      {
        accountId: 'acc-1',
        userInstitutionId: 'ui-1',
        name: 'Primary Checking',
        numberMask: '1234',
        rawType: 'Checking',
        subType: null,
        type: 'checking',
        balance: 150025,
        availableBalance: 140000,
        currencyHint: '$',
        status: 'tracked',
        lastUpdated: '2024-05-01T10:00:00',
        dueDate: null,
      },
    ]);
  });

  it('accepts camelCase, snake_case, Sure field variants, string amounts and a wrapper', () => {
    const [a] = parseAccounts(
      ACCOUNTS,
      {
        accounts: [
          {
            account_id: 'acc-2',
            accountName: 'Visa',
            accountNumber: '4111111111111111',
            accountType: 'CreditCard',
            AccountSubType: 'credit_card',
            AccountBalance: '-250.10',
            Currency: 'USD',
            AccountStatus: 'Untracked',
            dueDate: '2024-06-01T00:00:00',
          },
        ],
      },
      'ui-9',
    );
    expect(a).toMatchObject({
      accountId: 'acc-2',
      userInstitutionId: 'ui-9',
      numberMask: 'xxxx1111',
      type: 'credit_card',
      subType: 'credit_card',
      balance: -25010,
      availableBalance: null,
      currencyHint: 'USD',
      status: 'untracked',
      dueDate: '2024-06-01',
    });
  });

  it('falls back to Id and gives a nameless account a name', () => {
    const [a] = parseAccounts(ACCOUNTS, [{ Id: 'x', AccountType: 'Savings', AccountNumber: 'xxx9' }], null);
    expect(a).toMatchObject({ accountId: 'x', name: 'Savings xxx9', type: 'savings' });
  });

  it('an empty body or wrapper with null is an empty list', () => {
    expect(parseAccounts(ACCOUNTS, null, 'u')).toEqual([]);
    expect(parseAccounts(ACCOUNTS, { Accounts: null }, 'u')).toEqual([]);
  });

  it('refuses a payload missing its ids, naming the field and item', () => {
    const items = [helpAccount, helpAccount, { ...helpAccount, AccountID: null, ID: undefined }];
    expect(() => parseAccounts(ACCOUNTS, items, 'u')).toThrowError(
      "Sophtron's GetUserInstitutionAccounts answer is missing AccountID in item 3",
    );
    expect(() => parseAccounts(ACCOUNTS, items, 'u')).toThrow(SophtronInvalidResponseError);
  });

  it('refuses an unreadable balance and a non-list', () => {
    expect(() => parseAccounts(ACCOUNTS, [{ ...helpAccount, Balance: 'lots' }], 'u')).toThrowError(
      /has an unreadable Balance in item 1/,
    );
    expect(() => parseAccounts(ACCOUNTS, { hello: 1 }, 'u')).toThrowError(/is not a list/);
    expect(() => parseAccounts(ACCOUNTS, [1], 'u')).toThrowError(/not an object in item 1/);
  });

  it.each([
    ['Checking', null, 'checking'],
    ['Savings', null, 'savings'],
    ['Depository', 'Money Market', 'savings'],
    ['Credit Card', null, 'credit_card'],
    ['credit_card', null, 'credit_card'],
    ['Loan', 'Mortgage', 'mortgage'],
    ['Loan', 'Auto', 'loan'],
    ['Line of Credit', null, 'loan'],
    ['Investment', '401k', 'investment'],
    ['Brokerage', null, 'investment'],
    ['Bill', null, 'other'],
    [null, null, 'other'],
  ])('account type %s / %s → %s', (t, s, want) => {
    expect(normalizeAccountType(t, s)).toBe(want);
  });
});

const helpTx = {
  TransactionID: 't-1',
  ID: 't-1',
  UserInstitutionAccountID: 'acc-1',
  Status: 'Posted',
  Type: 'DEBIT',
  Amount: -12.34,
  Currency: '$',
  Date: '2021-05-03T00:00:00',
  TransactionDate: '2021-05-03T00:00:00',
  PostDate: '2021-05-04T00:00:00',
  Description: 'CHECKCARD 1234 COFFEE SHOP NY',
  Balance: 987.65,
  Merchant: null,
  Category: null,
  CheckNum: null,
  Memo: null,
};

describe('transactions', () => {
  it('reads the help-page shape', () => {
    expect(parseTransactions(TXS, [helpTx], 'acc-1')).toEqual([
      {
        transactionId: 't-1',
        accountId: 'acc-1',
        status: 'posted',
        amount: -1234,
        currencyHint: '$',
        date: '2021-05-03',
        transactionDate: '2021-05-03',
        postDate: '2021-05-04',
        description: 'CHECKCARD 1234 COFFEE SHOP NY',
        merchant: null,
        category: null,
        memo: null,
        checkNumber: null,
        type: 'debit',
      },
    ]);
  });

  it('takes the sign from Type when the amount is unsigned, keeps signed amounts', () => {
    const rows = parseTransactions(
      TXS,
      [
        { TransactionId: 'a', Amount: '12.345', Type: 'DEBIT', Date: '2021/05/03' },
        { transactionId: 'b', amount: 5, type: 'Credit', transactionDate: '/Date(1620000000000)/' },
        { ID: 'c', Amount: -3, Type: 'CREDIT', PostDate: '2021-05-05T00:00:00', Status: 'PENDING' },
      ],
      'acc',
    );
    expect(rows.map((r) => [r.transactionId, r.amount, r.date, r.status])).toEqual([
      ['a', -1235, '2021-05-03', 'posted'],
      ['b', 500, '2021-05-03', 'posted'],
      ['c', -300, '2021-05-05', 'pending'],
    ]);
  });

  it('prefers TransactionDate over Date over PostDate', () => {
    const [t] = parseTransactions(
      TXS,
      [{ ...helpTx, TransactionDate: '2021-05-02', Date: '2021-05-01' }],
      'x',
    );
    expect(t!.date).toBe('2021-05-02');
  });

  it('accepts a {transactions:[…]} wrapper', () => {
    expect(parseTransactions(TXS, { Transactions: [helpTx] }, 'x')).toHaveLength(1);
  });

  it('refuses a row without id, amount or date', () => {
    expect(() =>
      parseTransactions(TXS, [helpTx, { ...helpTx, TransactionID: '', ID: null }], 'x'),
    ).toThrowError("Sophtron's GetTransactionsByTransactionDate answer is missing TransactionID in item 2");
    expect(() => parseTransactions(TXS, [{ ...helpTx, Amount: null }], 'x')).toThrowError(
      /missing Amount in item 1/,
    );
    expect(() =>
      parseTransactions(TXS, [{ ...helpTx, Date: null, TransactionDate: null, PostDate: 'garbage' }], 'x'),
    ).toThrowError(/missing TransactionDate in item 1/);
  });
});

describe('institutions and connections', () => {
  it('reads institutions with login form labels', () => {
    const [i, j] = parseInstitutions('Institution/GetInstitutionByName', [
      {
        InstitutionID: 'i1',
        InstitutionName: 'Sophtron Bank',
        URL: 'https://sophtron.com',
        Logo: null,
        CountryCode: 'US',
        InstitutionDetail: { LoginFormUserName: 'User ID', LoginFormPassword: 'None' },
      },
      { id: 'i2', name: 'Other' },
    ]);
    expect(i).toEqual({
      id: 'i1',
      name: 'Sophtron Bank',
      url: 'https://sophtron.com',
      logoUrl: null,
      countryCode: 'US',
      loginForm: { usernameLabel: 'User ID', passwordLabel: null },
    });
    expect(j!.loginForm).toEqual({ usernameLabel: 'User name', passwordLabel: 'Password' });
  });

  it('reads user institutions and names a missing id', () => {
    expect(
      parseConnections('UserInstitution/GetUserInstitutionsByUser', [
        {
          UserID: 'u',
          InstitutionID: 'i',
          UserInstitutionID: 'ui',
          UserName: 'bob',
          LastModified: '2024-05-01T10:00:00',
        },
      ]),
    ).toEqual([
      { userInstitutionId: 'ui', institutionId: 'i', username: 'bob', lastModified: '2024-05-01T10:00:00' },
    ]);
    expect(() =>
      parseConnections('UserInstitution/GetUserInstitutionsByUser', [{ UserInstitutionID: 'ui' }]),
    ).toThrowError("Sophtron's GetUserInstitutionsByUser answer is missing InstitutionID in item 1");
  });

  it('reads job trackers', () => {
    expect(
      parseJobTracker('UserInstitution/CreateUserInstitution', { JobID: 'j', UserInstitutionID: 'u' }),
    ).toEqual({
      jobId: 'j',
      userInstitutionId: 'u',
    });
    expect(() => parseJobTracker('UserInstitution/RefreshUserInstitution', {})).toThrowError(
      "Sophtron's RefreshUserInstitution answer is missing JobID",
    );
  });
});

const job = (fields: Record<string, unknown>) => ({
  JobID: 'j',
  JobType: 'AddAccounts',
  UserInstitutionID: 'ui',
  AccountID: '00000000-0000-0000-0000-000000000000',
  SuccessFlag: null,
  LastStep: 'LogInPanel',
  LastStatus: 'Started',
  SecurityQuestion: null,
  SecurityAnswer: null,
  TokenMethod: null,
  TokenChoice: null,
  TokenSentFlag: null,
  TokenInputName: null,
  TokenInput: null,
  TokenRead: null,
  VerifyPhoneFlag: null,
  CaptchaImage: null,
  CaptchaInput: null,
  ErrorMessage: null,
  ...fields,
});

describe('job dispatch (§5.2)', () => {
  const state = (fields: Record<string, unknown>) => parseJob(JOB, job(fields)).state;

  it('running, accounts ready, succeeded', () => {
    expect(state({})).toEqual({ state: 'running', step: 'LogInPanel', status: 'Started' });
    expect(state({ LastStatus: 'AccountsReady' })).toEqual({
      state: 'accounts_ready',
      userInstitutionId: 'ui',
    });
    expect(state({ SuccessFlag: true, LastStatus: 'Completed' })).toEqual({
      state: 'succeeded',
      userInstitutionId: 'ui',
    });
    expect(state({ SuccessFlag: 'True', LastStatus: 'Completed' })).toMatchObject({ state: 'succeeded' });
  });

  it('failure needs SuccessFlag false and a final status or a message', () => {
    expect(
      state({ SuccessFlag: false, LastStatus: 'Completed', ErrorMessage: 'Invalid credentials' }),
    ).toEqual({
      state: 'failed',
      message: 'Invalid credentials',
    });
    expect(state({ SuccessFlag: false, LastStatus: 'Timeout' })).toEqual({
      state: 'failed',
      message: 'Sophtron timed out while the bank was completing the login',
      // A bank that did not answer in time is not a refused login.
      bankTimedOut: true,
    });
    expect(state({ SuccessFlag: false, LastStatus: 'Completed' })).toMatchObject({ state: 'failed' });
    expect(state({ SuccessFlag: false, LastStatus: 'Started' })).toMatchObject({ state: 'running' });
  });

  it('challenges come before failure, like Sure', () => {
    expect(state({ SuccessFlag: false, TokenSentFlag: true, LastStatus: 'Timeout' })).toEqual({
      state: 'challenge',
      challenge: { kind: 'token_input', label: 'Token' },
    });
  });

  it('security questions: JSON array, single-quoted pseudo-array, plain string', () => {
    expect(state({ SecurityQuestion: '["What is your favorite color?","First pet?"]' })).toEqual({
      state: 'challenge',
      challenge: { kind: 'security_questions', questions: ['What is your favorite color?', 'First pet?'] },
    });
    expect(
      state({ SecurityQuestion: "['what is your favorite color?', 'your mother's maiden name?']" }),
    ).toMatchObject({
      challenge: { questions: ['what is your favorite color?', "your mother's maiden name?"] },
    });
    expect(state({ SecurityQuestion: 'What is your favorite color?' })).toMatchObject({
      challenge: { questions: ['What is your favorite color?'] },
    });
  });

  it('token method list, token input name, token read, captcha bytes, in that order', () => {
    expect(
      state({
        TokenMethod: '["Email me at s*****@gmail.com","Text 1 (•••) •••-0102"]',
        LastStep: 'TokenInput',
      }),
    ).toEqual({
      state: 'challenge',
      challenge: { kind: 'token_method', methods: ['Email me at s*****@gmail.com', 'Text 1 (•••) •••-0102'] },
    });
    expect(state({ TokenInputName: 'PIN' })).toMatchObject({
      challenge: { kind: 'token_input', label: 'PIN' },
    });
    expect(state({ TokenSentFlag: true, TokenInput: '1234' })).toMatchObject({ state: 'running' });
    expect(state({ LastStep: 'TokenInput' })).toMatchObject({ state: 'running' });
    expect(state({ TokenRead: '42', LastStep: 'TokenInput' })).toEqual({
      state: 'challenge',
      challenge: { kind: 'token_read', code: '42' },
    });
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    const c = state({ CaptchaImage: png.toString('base64') });
    expect(c).toMatchObject({ state: 'challenge', challenge: { kind: 'captcha', mimeType: 'image/png' } });
    expect(Buffer.from((c as { challenge: { image: Uint8Array } }).challenge.image)).toEqual(png);
    const withPrefix = state({ CaptchaImage: `data:image/png;base64,${png.toString('base64')}` });
    expect(Buffer.from((withPrefix as { challenge: { image: Uint8Array } }).challenge.image)).toEqual(png);
  });

  it('camelCase jobs read the same', () => {
    expect(
      parseJob(JOB, { jobId: 'j', successFlag: null, lastStatus: 'Waiting', securityQuestion: '["q"]' })
        .state,
    ).toEqual({
      state: 'challenge',
      challenge: { kind: 'security_questions', questions: ['q'] },
    });
  });

  it('refuses an empty job', () => {
    expect(() => parseJob(JOB, null)).toThrowError("Sophtron's GetJobInformationByID answer is empty");
  });
});

describe('small readers', () => {
  it('string lists', () => {
    expect(parseStringList(null)).toEqual([]);
    expect(parseStringList('[]')).toEqual([]);
    expect(parseStringList(['a', 'b'])).toEqual(['a', 'b']);
    expect(parseStringList('[a, b]')).toEqual(['a', 'b']);
  });

  it('answer status: 0 accepted, -1 refused', () => {
    expect(parseAnswerResult('Job/UpdateJobCaptcha', 0)).toBe(true);
    expect(parseAnswerResult('Job/UpdateJobCaptcha', -1)).toBe(false);
    expect(parseAnswerResult('Job/UpdateJobCaptcha', '-1')).toBe(false);
    expect(parseAnswerResult('Job/UpdateJobCaptcha', null)).toBe(true);
    expect(parseAnswerResult('Job/UpdateJobCaptcha', { TransmitStatus: -1 })).toBe(false);
    expect(() => parseAnswerResult('Job/UpdateJobCaptcha', 'maybe')).toThrowError(/not a status number/);
  });
});
