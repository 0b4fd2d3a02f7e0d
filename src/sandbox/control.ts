/**
 * The sandbox's control surface: move the clock, add transactions, script faults, read the
 * request log, make a connection's next job fail or ask for MFA, and read the "truth" (posted
 * transactions and balances) tests compare a ledger against. The same powers are offered
 * in-process (`SandboxControl`) and over HTTP under `/__sandbox` when enabled.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { Authenticator } from './auth.js';
import { dayFromIso, guid, hashSeed, mulberry32, ymd } from './rng.js';
import {
  faultSpecSchema,
  scriptedFaultSchema,
  type FaultInjector,
  type FaultSpec,
  type ScriptedFault,
} from './faults.js';
import type { RequestLog, RequestLogEntry } from './log.js';
import type { SandboxState, SandboxUser } from './state.js';

export interface TruthTransaction {
  transactionId: string;
  /** TransactionDate, YYYY-MM-DD. */
  date: string;
  amountCents: number;
  description: string;
  merchant: string | null;
  status: 'posted' | 'pending';
}

export interface TruthBalance {
  balanceCents: number;
  availableCents: number;
  /** What the wire shows ("$" or an ISO code). */
  currency: string;
}

export interface TruthAccount {
  accountId: string;
  userInstitutionId: string;
  userId: string;
  name: string;
  accountType: string;
  transactionCount: number;
}

export interface TruthConnection {
  userInstitutionId: string;
  userId: string;
  institutionId: string;
  institutionName: string;
  userName: string;
  accounts: TruthAccount[];
}

export interface AddTransactionInput {
  /** YYYY-MM-DD; defaults to the sandbox's today. */
  date?: string;
  /** Signed minor units, negative = money out. */
  amountCents: number;
  description: string;
  merchant?: string | null;
  category?: string | null;
  status?: 'posted' | 'pending';
}

export const addTransactionSchema = z.object({
  date: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD')
    .optional(),
  amountCents: z.number().int(),
  description: z.string().min(1),
  merchant: z.string().nullable().optional(),
  category: z.string().nullable().optional(),
  status: z.enum(['posted', 'pending']).optional(),
});

export class SandboxControl {
  /** Every Sophtron call waits this long before it is answered (SandboxAppOptions.latencyMs). */
  latencyMs = 0;

  constructor(
    private readonly state: SandboxState,
    private readonly faults: FaultInjector,
    private readonly log: RequestLog,
    private readonly auth: Authenticator,
  ) {}

  /** The sandbox clock (the base clock plus every advance). */
  now(): Date {
    return this.state.now();
  }

  today(): string {
    return ymd(this.state.today());
  }

  /** Moves the clock: new transactions appear, pending ones post (new id, 1–3 days later) or vanish. */
  advanceDays(days: number): void {
    if (!Number.isInteger(days) || days < 0) throw new Error('days must be a whole number ≥ 0');
    this.state.offsetDays += days;
  }

  addUser(user?: Partial<SandboxUser>): SandboxUser {
    const rng = mulberry32(hashSeed('user', this.state.options.seed, this.state.users.size));
    const full: SandboxUser = {
      userId: user?.userId ?? guid(rng),
      accessKey: user?.accessKey ?? Buffer.from(guid(rng) + guid(rng)).toString('base64'),
    };
    this.state.addUser(full);
    this.auth.addUser(full);
    return full;
  }

  users(): SandboxUser[] {
    return [...this.state.users.values()];
  }

  connections(userId?: string): TruthConnection[] {
    const today = this.state.today();
    return [...this.state.connections.values()]
      .filter((c) => !userId || c.userId.toLowerCase() === userId.toLowerCase())
      .map((c) => ({
        userInstitutionId: c.id,
        userId: c.userId,
        institutionId: c.institution.id,
        institutionName: c.institution.name,
        userName: c.userName,
        accounts: c.accounts.map((a) => ({
          accountId: a.id,
          userInstitutionId: c.id,
          userId: c.userId,
          name: a.plan.name,
          accountType: a.plan.accountType,
          transactionCount: a.rowsOn(today).length,
        })),
      }));
  }

  private account(accountId: string) {
    const a = this.state.accounts.get(accountId.toLowerCase());
    if (!a) throw new Error(`no account ${accountId}`);
    return a;
  }

  /** Every transaction visible now (posted and pending), by TransactionDate. */
  transactions(accountId: string): TruthTransaction[] {
    return this.account(accountId)
      .rowsOn(this.state.today())
      .map((t) => ({
        transactionId: t.id,
        date: ymd(t.day),
        amountCents: t.cents,
        description: t.description,
        merchant: t.merchant,
        status: t.status === 'Posted' ? ('posted' as const) : ('pending' as const),
      }));
  }

  postedTransactions(accountId: string): TruthTransaction[] {
    return this.transactions(accountId).filter((t) => t.status === 'posted');
  }

  pendingTransactions(accountId: string): TruthTransaction[] {
    return this.transactions(accountId).filter((t) => t.status === 'pending');
  }

  /** Current balance = opening balance + every posted transaction. */
  balance(accountId: string): TruthBalance {
    const a = this.account(accountId);
    const b = a.balanceOn(this.state.today());
    return { balanceCents: b.balanceCents, availableCents: b.availableCents, currency: a.currencyLabel };
  }

  addTransaction(accountId: string, input: AddTransactionInput): string {
    const tx = addTransactionSchema.parse(input);
    return this.account(accountId).addTransaction({
      day: tx.date ? dayFromIso(tx.date) : this.state.today(),
      cents: tx.amountCents,
      description: tx.description,
      merchant: tx.merchant ?? null,
      category: tx.category ?? null,
      status: tx.status === 'pending' ? 'Pending' : 'Posted',
    });
  }

  /** The next login or refresh job of this connection fails ("Invalid credentials") or asks for MFA. */
  failNext(userInstitutionId: string, mode: 'fail' | 'mfa'): void {
    const c = this.state.connections.get(userInstitutionId.toLowerCase());
    if (!c) throw new Error(`no connection ${userInstitutionId}`);
    c.nextJob = mode;
  }

  /** The code drawn in a job's captcha (any answer is accepted, like the real test bank). */
  captchaCode(jobId: string): string | null {
    return this.state.jobs.get(jobId.toLowerCase())?.captchaCode() ?? null;
  }

  scriptFault(fault: ScriptedFault): void {
    this.faults.script(scriptedFaultSchema.parse(fault) as ScriptedFault);
  }

  setFaultRates(spec: FaultSpec): void {
    this.faults.setRates(faultSpecSchema.parse(spec));
  }

  faultState(): { rates: FaultSpec; scripted: ScriptedFault[] } {
    return { rates: this.faults.getRates(), scripted: this.faults.listScripted() };
  }

  clearFaults(): void {
    this.faults.clear();
  }

  requestLog(): RequestLogEntry[] {
    return this.log.list();
  }

  requestCounts(): Record<string, number> {
    return this.log.countsByEndpoint();
  }

  resetCounts(): void {
    this.log.reset();
  }
}

/** HTTP form of the control handle, mounted at `/__sandbox`. Local use only: it has no auth. */
export function controlRoutes(control: SandboxControl): Hono {
  const app = new Hono();
  const bad = (message: string) => ({ error: message });
  const json = async (req: Request): Promise<unknown> => {
    const text = await req.text();
    return text ? JSON.parse(text) : {};
  };
  app.onError((err, c) => {
    if (err instanceof z.ZodError) {
      const i = err.issues[0];
      return c.json(bad(`${i?.path.join('.') || 'body'}: ${i?.message ?? 'invalid'}`), 400);
    }
    if (err instanceof SyntaxError) return c.json(bad('body: not JSON'), 400);
    const message = err instanceof Error ? err.message : String(err);
    return c.json(bad(message), message.startsWith('no ') ? 404 : 400);
  });

  app.get('/', (c) =>
    c.json({
      now: control.now().toISOString(),
      today: control.today(),
      users: control.users().map((u) => u.userId),
    }),
  );
  app.post('/clock/advance', async (c) => {
    const { days } = z.object({ days: z.number().int().min(0).max(3650) }).parse(await json(c.req.raw));
    control.advanceDays(days);
    return c.json({ now: control.now().toISOString(), today: control.today() });
  });
  app.post('/users', async (c) => {
    const body = z
      .object({ userId: z.string().min(1).optional(), accessKey: z.string().min(1).optional() })
      .parse(await json(c.req.raw));
    return c.json(control.addUser(body), 201);
  });
  app.get('/connections', (c) => c.json(control.connections(c.req.query('userId'))));
  app.post('/connections/:id/next', async (c) => {
    const { mode } = z.object({ mode: z.enum(['fail', 'mfa']) }).parse(await json(c.req.raw));
    control.failNext(c.req.param('id'), mode);
    return c.json({ ok: true });
  });
  app.get('/accounts/:id/transactions', (c) => {
    const status = c.req.query('status') ?? 'all';
    const id = c.req.param('id');
    const list =
      status === 'posted'
        ? control.postedTransactions(id)
        : status === 'pending'
          ? control.pendingTransactions(id)
          : control.transactions(id);
    return c.json(list);
  });
  app.post('/accounts/:id/transactions', async (c) => {
    const input = addTransactionSchema.parse(await json(c.req.raw));
    return c.json({ transactionId: control.addTransaction(c.req.param('id'), input) }, 201);
  });
  app.get('/accounts/:id/balance', (c) => c.json(control.balance(c.req.param('id'))));
  app.get('/jobs/:id/captcha', (c) => c.json({ code: control.captchaCode(c.req.param('id')) }));
  app.get('/faults', (c) => c.json(control.faultState()));
  app.post('/faults', async (c) => {
    control.scriptFault(scriptedFaultSchema.parse(await json(c.req.raw)) as ScriptedFault);
    return c.json(control.faultState(), 201);
  });
  app.put('/faults/rates', async (c) => {
    control.setFaultRates(faultSpecSchema.parse(await json(c.req.raw)));
    return c.json(control.faultState());
  });
  app.delete('/faults', (c) => {
    control.clearFaults();
    return c.json(control.faultState());
  });
  app.get('/requests', (c) => c.json({ counts: control.requestCounts(), log: control.requestLog() }));
  app.get('/requests/counts', (c) => c.json(control.requestCounts()));
  app.delete('/requests', (c) => {
    control.resetCounts();
    return c.json({ ok: true });
  });
  return app;
}
