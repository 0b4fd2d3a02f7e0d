/**
 * The bank logins of a sandbox kept in a file, so the sandbox `serve` starts knows them again after
 * a restart and every linked account keeps syncing. Only what cannot be derived again is kept: the
 * ids handed out, the bank, the login name and each login's history start; the accounts' data follow
 * from the seed and these ids. No password is written: only whether the login was accepted (or
 * which sandbox trigger it used), which is all a later refresh needs.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { TEST_BANK_CREDENTIALS, institutionById } from './banks.js';
import { TRIGGERS, type UserInstitution, type SandboxState } from './state.js';

const TRIGGER_WORDS = [TRIGGERS.failPassword, TRIGGERS.timeoutPassword, TRIGGERS.neverPassword] as const;

const loginSchema = z.object({
  id: z.string(),
  userId: z.string(),
  memberId: z.string(),
  institutionId: z.string(),
  userName: z.string(),
  /** "ok" when the password was accepted, else the trigger it used ("fail" for a wrong one). */
  password: z.enum(['ok', ...TRIGGER_WORDS]),
  pin: z.string().nullable(),
  companyId: z.string().nullable(),
  createdAt: z.string(),
  lastUpdated: z.string().nullable(),
  fullAccountNumbers: z.boolean(),
  profileInfo: z.boolean(),
  startDay: z.number().int().nullable(),
  accountIds: z.array(z.string()),
});

const fileSchema = z.object({ version: z.literal(1), logins: z.array(loginSchema) });
type SavedLogin = z.infer<typeof loginSchema>;

function passwordKind(c: UserInstitution): SavedLogin['password'] {
  const trigger = TRIGGER_WORDS.find((w) => w === c.password);
  if (trigger) return trigger;
  if (!c.institution.test) return 'ok';
  const accepted = TEST_BANK_CREDENTIALS.some(([u, p]) => u === c.userName && p === c.password);
  return accepted ? 'ok' : TRIGGERS.failPassword;
}

/** A stand-in password that the sandbox judges the way it judged the original. */
function passwordFor(saved: SavedLogin): string {
  if (saved.password !== 'ok') return saved.password;
  const pair = TEST_BANK_CREDENTIALS.find(([u]) => u === saved.userName);
  return pair ? pair[1] : 'restored';
}

export function saveState(state: SandboxState, file: string): void {
  const logins: SavedLogin[] = [...state.connections.values()].map((c) => ({
    id: c.id,
    userId: c.userId,
    memberId: c.memberId,
    institutionId: c.institution.id,
    userName: c.userName,
    password: passwordKind(c),
    pin: c.pin,
    companyId: c.companyId,
    createdAt: c.createdAt.toISOString(),
    lastUpdated: c.lastUpdated?.toISOString() ?? null,
    fullAccountNumbers: c.fullAccountNumbers,
    profileInfo: c.profileInfo,
    startDay: c.accounts[0]?.startDay ?? null,
    accountIds: c.accounts.map((a) => a.id),
  }));
  mkdirSync(dirname(file), { recursive: true });
  // Written aside and renamed: a crash mid-write never leaves half a file behind.
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify({ version: 1, logins }, null, 1), { mode: 0o600 });
  renameSync(temp, file);
}

/** Loads the file into `state`; a missing file is an empty sandbox, a damaged one is an error. */
export function loadState(state: SandboxState, file: string): number {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  const parsed = fileSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${file}: not a sandbox state file (${issue?.path.join('.')}: ${issue?.message})`);
  }
  for (const saved of parsed.data.logins) {
    const institution = institutionById(saved.institutionId);
    if (!institution) continue;
    const connection: UserInstitution = {
      id: saved.id,
      userId: saved.userId,
      memberId: saved.memberId,
      customerId: null,
      institution,
      userName: saved.userName,
      password: passwordFor(saved),
      pin: saved.pin,
      companyId: saved.companyId,
      createdAt: new Date(saved.createdAt),
      lastModified: new Date(saved.createdAt),
      lastUpdated: saved.lastUpdated ? new Date(saved.lastUpdated) : null,
      accounts: [],
      fullAccountNumbers: saved.fullAccountNumbers,
      profileInfo: saved.profileInfo,
      nextJob: null,
    };
    state.connections.set(connection.id, connection);
    if (saved.startDay !== null && saved.accountIds.length > 0) {
      state.addAccounts(connection, saved.startDay, (i) => saved.accountIds[i] ?? state.newId());
    }
  }
  return parsed.data.logins.length;
}
