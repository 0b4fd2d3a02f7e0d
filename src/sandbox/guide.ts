/** Text a person needs to try the sandbox: test bank credentials and the sandbox-only triggers. */
import { TEST_BANKS, TEST_BANK_CREDENTIALS, type ChallengeStep } from './banks.js';
import { TRIGGERS } from './state.js';

const stepText = (s: ChallengeStep): string =>
  s.kind === 'captcha'
    ? 'captcha (any text)'
    : s.kind === 'securityQuestion'
      ? s.questions.length > 1
        ? `${s.questions.length} security questions at once (any answers)`
        : 'security question (any answer)'
      : s.kind === 'tokenMethod'
        ? 'token method (pick one listed)'
        : s.kind === 'tokenInput'
          ? 'token code (any code)'
          : 'approve on the phone (VerifyPhoneFlag true)';

export function testBankLines(): string[] {
  const width = Math.max(...TEST_BANKS.map((b) => b.name.length));
  const creds = TEST_BANK_CREDENTIALS.map(([u, p]) => `${u} / ${p}`).join(' or ');
  return [
    `Test banks (user name / password: ${creds}):`,
    ...TEST_BANKS.map(
      (b) => `  ${b.name.padEnd(width)}  ${b.mfa.length ? b.mfa.map(stepText).join(' → ') : 'no MFA'}`,
    ),
    'Other banks (e.g. "Cascade", "Northern Maple" (CA), "Banco del Sol" (MX)): any user name and password.',
  ];
}

export function triggerLines(): string[] {
  const rows: [string, string][] = [
    [
      `password "${TRIGGERS.failPassword}" (or a wrong test-bank password)`,
      'the login fails: SuccessFlag false, ErrorMessage "Invalid credentials"',
    ],
    [`password "${TRIGGERS.timeoutPassword}"`, 'the job ends with SuccessFlag false, LastStatus "Timeout"'],
    [`password "${TRIGGERS.neverPassword}"`, 'the job never finishes'],
    [
      `user name "${TRIGGERS.mfaOnRefreshUser}" (other banks)`,
      'every refresh asks the security question again',
    ],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return [
    'Sandbox-only triggers (not Sophtron behaviour):',
    ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`),
  ];
}

/** One sentence for a bank's login form on the web when the built-in sandbox answers. */
export function loginHint(): string {
  const creds = TEST_BANK_CREDENTIALS.map(([u, p]) => `${u} / ${p}`).join(' or ');
  return `Sandbox: the test banks (Sophtron Bank…) accept ${creds}; other banks accept any user name and password. Password "${TRIGGERS.failPassword}" makes the login fail, "${TRIGGERS.timeoutPassword}" makes the bank time out.`;
}

/** What the sandbox accepts for each challenge, for the web's challenge forms. */
export const CHALLENGE_HINTS = {
  captcha: 'Sandbox: any text passes the captcha.',
  security_questions: 'Sandbox: any answer is accepted.',
  token_method: 'Sandbox: pick any method listed.',
  token_input: 'Sandbox: any code is accepted, e.g. 123456.',
  token_read: 'Sandbox: the approval comes by itself after a few checks.',
  account_select: 'Sandbox: choose any account.',
} as const;
