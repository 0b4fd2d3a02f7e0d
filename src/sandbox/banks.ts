/**
 * The institutions the sandbox knows: Sophtron's documented test banks (real InstitutionIDs and
 * names) with their MFA scripts, plus fictional ordinary banks for name search.
 */
import { hashSeed, mulberry32, guid } from './rng.js';

export type ChallengeStep =
  | { kind: 'captcha' }
  | { kind: 'securityQuestion'; questions: string[] }
  | { kind: 'tokenMethod'; methods: string[] }
  | { kind: 'tokenInput'; inputName: string }
  | { kind: 'tokenRead' };

export interface SandboxInstitution {
  id: string;
  name: string;
  url: string;
  countryCode: 'US' | 'CA' | 'MX';
  languageCode: string;
  routingNumber: string;
  /** Sophtron's documented test banks accept only their test credentials. */
  test: boolean;
  mfa: ChallengeStep[];
  /** ISO code of the accounts' currency (the wire shows "$" unless isoCurrency). */
  currency: 'USD' | 'CAD' | 'MXN';
}

/** Credentials the test banks accept (UCW e2e uses asdfg12X/asdfg12X and asdf/asdf). */
export const TEST_BANK_CREDENTIALS: readonly (readonly [string, string])[] = [
  ['asdfg12X', 'asdfg12X'],
  ['asdf', 'asdf'],
];

export const FAVORITE_COLOR = 'What is your favorite color?';
const MULTIPLE_QUESTIONS = [
  FAVORITE_COLOR,
  'What was the name of your first pet?',
  'In what city were you born?',
];
export const SOPHTRON_BANK_TOKEN_METHODS = ['Text message 1 (•••) •••-0102', 'xxx-xxx-1234'];
export const TOKEN_BANK_METHODS = [
  'Email me at s*****@gmail.com',
  'Send verification code by voice call to ***-***-3800',
];

const testBank = (
  id: string,
  name: string,
  mfa: ChallengeStep[],
  routingNumber: string,
): SandboxInstitution => ({
  id,
  name,
  url: 'https://sophtron.com',
  countryCode: 'US',
  languageCode: 'en',
  routingNumber,
  test: true,
  mfa,
  currency: 'USD',
});

export const SOPHTRON_BANK_ID = '8d0d9991-5e35-4b82-afa4-e93695e5ca7d';
export const NO_MFA_BANK_ID = '926623ca-5952-4921-8f77-2023f1cdde8e';

export const TEST_BANKS: readonly SandboxInstitution[] = [
  testBank(
    SOPHTRON_BANK_ID,
    'Sophtron Bank',
    [
      { kind: 'captcha' },
      { kind: 'securityQuestion', questions: [FAVORITE_COLOR] },
      { kind: 'tokenMethod', methods: SOPHTRON_BANK_TOKEN_METHODS },
      { kind: 'tokenInput', inputName: 'Token' },
    ],
    '999999990',
  ),
  testBank(NO_MFA_BANK_ID, 'Sophtron Bank NoMFA', [], '999999991'),
  testBank(
    '8809dee7-9e23-4039-a723-02bc01fce0f2',
    'Sophtron Bank SecurityQuestion',
    [{ kind: 'securityQuestion', questions: [FAVORITE_COLOR] }],
    '999999992',
  ),
  testBank(
    '8f32ccc1-acaf-4e6b-93b8-1f2cd398647d',
    'Sophtron Bank SecurityQuestion Multiple',
    [{ kind: 'securityQuestion', questions: MULTIPLE_QUESTIONS }],
    '999999993',
  ),
  testBank(
    '337fe0c2-476e-46f5-a360-bf33f9fe1937',
    'Sophtron Bank Token',
    [
      { kind: 'tokenMethod', methods: TOKEN_BANK_METHODS },
      { kind: 'tokenInput', inputName: 'Token' },
    ],
    '999999994',
  ),
  testBank(
    '0fe7236b-079a-4fe6-aed9-cf194790a553',
    'Sophtron Bank TokenRead',
    [{ kind: 'tokenRead' }],
    '999999995',
  ),
  testBank(
    '8ad00f00-72b7-4642-a0de-b3f31e08510a',
    'Sophtron Bank Captcha',
    [{ kind: 'captcha' }],
    '999999996',
  ),
];

// Fictional banks: names a newcomer can search for. IDs are derived from the name so they never change.
const ORDINARY: readonly [string, string, 'US' | 'CA' | 'MX'][] = [
  ['Cascade Federal Credit Union', 'https://cascadefcu.example', 'US'],
  ['Harborview National Bank', 'https://harborview.example', 'US'],
  ['First Prairie Bank', 'https://firstprairie.example', 'US'],
  ['Bluebonnet Savings Bank', 'https://bluebonnet.example', 'US'],
  ['Granite State Credit Union', 'https://granitestate.example', 'US'],
  ['Lakeshore Community Bank', 'https://lakeshore.example', 'US'],
  ['Redwood Trust Bank', 'https://redwoodtrust.example', 'US'],
  ['Sunbelt Card Services', 'https://sunbeltcard.example', 'US'],
  ['Evergreen Mortgage Company', 'https://evergreenmortgage.example', 'US'],
  ['Summit Brokerage', 'https://summitbrokerage.example', 'US'],
  ['Great Lakes First Bank', 'https://greatlakesfirst.example', 'US'],
  ['Northern Maple Bank', 'https://northernmaple.example', 'CA'],
  ['Caisse Populaire du Fleuve', 'https://caissefleuve.example', 'CA'],
  ['Banco del Sol de México', 'https://bancodelsol.example', 'MX'],
];

export const ORDINARY_BANKS: readonly SandboxInstitution[] = ORDINARY.map(([name, url, countryCode], i) => ({
  id: guid(mulberry32(hashSeed('institution', name))),
  name,
  url,
  countryCode,
  languageCode: countryCode === 'MX' ? 'es' : countryCode === 'CA' && name.startsWith('Caisse') ? 'fr' : 'en',
  routingNumber: String(121000000 + i * 7919).padStart(9, '0'),
  test: false,
  mfa: [],
  currency: countryCode === 'CA' ? 'CAD' : countryCode === 'MX' ? 'MXN' : 'USD',
}));

export const ALL_BANKS: readonly SandboxInstitution[] = [...TEST_BANKS, ...ORDINARY_BANKS];
const byId = new Map(ALL_BANKS.map((b) => [b.id.toLowerCase(), b]));

export const institutionById = (id: string): SandboxInstitution | undefined =>
  byId.get(id.trim().toLowerCase());
export const institutionsByRoutingNumber = (rn: string): SandboxInstitution[] =>
  ALL_BANKS.filter((b) => b.routingNumber === rn.trim());

const norm = (s: string) =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();

function editDistanceAtMost(a: string, b: string, max: number): boolean {
  if (Math.abs(a.length - b.length) > max) return false;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]! <= max;
}

/**
 * Fuzzy name search like Sophtron's GetInstitutionByName: exact, prefix and substring matches first,
 * then names holding every word, then names with a word one or two typos away.
 */
export function searchInstitutions(query: string): SandboxInstitution[] {
  const q = norm(query);
  if (!q) return [];
  const words = q.split(' ');
  const scored: { bank: SandboxInstitution; score: number }[] = [];
  for (const bank of ALL_BANKS) {
    const name = norm(bank.name);
    const nameWords = name.split(' ');
    let score = 0;
    if (name === q) score = 100;
    else if (name.startsWith(q)) score = 80;
    else if (name.includes(q)) score = 60;
    else if (words.every((w) => name.includes(w))) score = 40;
    else if (
      words.every((w) =>
        nameWords.some((nw) => nw.startsWith(w) || (w.length >= 4 && editDistanceAtMost(w, nw, 2))),
      )
    )
      score = 20;
    if (score > 0) scored.push({ bank, score });
  }
  scored.sort((a, b) => b.score - a.score || a.bank.name.length - b.bank.name.length);
  return scored.map((s) => s.bank);
}
