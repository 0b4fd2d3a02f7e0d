// Long because: the sandbox's whole data model (event streams, pending→posted, vanishing rows, the hot read path's caches) is one deterministic generator whose parts share its seeded state.
/**
 * Deterministic account and transaction data. Each account draws a stream of events day by day
 * from its own seeded generator; what a client sees on a given sandbox day is a pure function of
 * those events and the day, so advancing the clock makes new transactions appear, pending ones post
 * under a new TransactionID 1–3 days later, and some pending ones vanish — all reproducibly.
 *
 * Reads are the hot path (benchmarks hammer the transactions call), so each account keeps its rows
 * sorted by date, finds a range by binary search, and caches row JSON and whole response bodies.
 */
import type { SandboxInstitution } from './banks.js';
import { dayOfMonth, guid, hashSeed, mulberry32, netDate, pick, randInt, weekday, type Rng } from './rng.js';

export type BankAccountType = 'checking' | 'savings' | 'credit' | 'loan' | 'investment';

export interface AccountPlan {
  kind: BankAccountType;
  name: string;
  accountType: string;
  subType: string;
  last4: string;
  /** Card purchases per day, [min, max]. */
  purchasesPerDay: [number, number];
}

/** Fate of an event: posts at once, is pending then posts under a new id, or is pending then vanishes. */
const enum Fate {
  Posted = 0,
  PendingThenPosted = 1,
  PendingThenVanished = 2,
}

interface TxEvent {
  seq: number;
  day: number;
  cents: number;
  description: string;
  merchant: string | null;
  category: string | null;
  checkNum: string | null;
  memo: string | null;
  fate: Fate;
  /** Days until a pending event posts or vanishes. */
  lag: number;
  idPending: string;
  idPosted: string;
}

export interface SandboxTxn {
  id: string;
  seq: number;
  day: number;
  postDay: number | null;
  cents: number;
  status: 'Posted' | 'Pending';
  description: string;
  merchant: string | null;
  category: string | null;
  checkNum: string | null;
  memo: string | null;
  balanceCents: number | null;
  json?: string;
}

export interface NewTransaction {
  day: number;
  cents: number;
  description: string;
  merchant?: string | null;
  category?: string | null;
  status?: 'Posted' | 'Pending';
}

type Purchase = readonly [
  merchant: string | null,
  template: string,
  category: string,
  min: number,
  max: number,
];
const PURCHASES: readonly Purchase[] = [
  ['Starbucks', 'CHECKCARD {mmdd} STARBUCKS STORE {n5} SEATTLE WA', 'Coffee Shops', 350, 950],
  ['Whole Foods Market', 'POS PURCHASE WHOLEFDS MKT #{n5} AUSTIN TX', 'Groceries', 2000, 18000],
  ['Amazon', 'AMAZON.COM*{code} AMZN.COM/BILL WA', 'Shopping', 800, 16000],
  ['Shell', 'SHELL OIL {n8} HOUSTON TX', 'Gas & Fuel', 2500, 7000],
  ['Target', 'TARGET T-{n4} MINNEAPOLIS MN', 'Shopping', 1000, 14000],
  ['Uber', 'UBER *TRIP HELP.UBER.COM CA', 'Travel', 900, 4500],
  ['Chipotle', 'CHIPOTLE {n4} COLUMBUS OH', 'Restaurants', 900, 2800],
  ['Costco', 'COSTCO WHSE #{n4} ISSAQUAH WA', 'Groceries', 6000, 32000],
  ['CVS Pharmacy', 'CVS/PHARMACY #{n5} WOONSOCKET RI', 'Pharmacy', 500, 6000],
  ['The Home Depot', 'THE HOME DEPOT #{n4} ATLANTA GA', 'Home Improvement', 1500, 25000],
  ["Trader Joe's", "TRADER JOE'S #{n3} MONROVIA CA", 'Groceries', 1500, 12000],
  ['Shake Shack', 'SQ *SHAKE SHACK {n4} NEW YORK NY', 'Restaurants', 1200, 4500],
  ['Lyft', 'LYFT *RIDE {mmdd} LYFT.COM CA', 'Travel', 800, 3800],
  ['Walgreens', 'WALGREENS #{n5} DEERFIELD IL', 'Pharmacy', 400, 4500],
  [null, 'CHECKCARD {mmdd} SQ *FARMERS MARKET', 'Groceries', 800, 4000],
  [null, 'POS DEBIT {n6} CORNER DELI', 'Restaurants', 600, 2200],
  [null, 'PURCHASE AUTHORIZED ON {mmdd} PARKING METER {n4}', 'Parking', 200, 1200],
];

const fill = (rng: Rng, template: string, day: number): string =>
  template.replace(/\{(mmdd|n\d|code)\}/g, (_, k: string) => {
    if (k === 'mmdd') return netDate(day).slice(5, 10).replace('-', '');
    if (k === 'code')
      return Math.floor(rng() * 36 ** 6)
        .toString(36)
        .toUpperCase()
        .padStart(6, '0');
    const n = Number(k.slice(1));
    return String(Math.floor(rng() * 10 ** n)).padStart(n, '0');
  });

/** The five accounts every connection gets (plus the big one on the NoMFA test bank). */
export function accountPlans(
  institution: SandboxInstitution,
  rng: Rng,
  bigAccount: boolean,
  bigAccountPerDay?: number,
): AccountPlan[] {
  const n4 = () => String(randInt(rng, 1000, 9999));
  const plans: AccountPlan[] = [
    {
      kind: 'checking',
      name: institution.test ? 'Primary Checking' : 'Everyday Checking',
      accountType: 'Checking',
      subType: 'checking',
      last4: institution.test ? '1234' : n4(),
      purchasesPerDay: [0, 3],
    },
    {
      kind: 'savings',
      name: institution.test ? 'Primary Savings' : 'High Yield Savings',
      accountType: 'Savings',
      subType: 'savings',
      last4: institution.test ? '5678' : n4(),
      purchasesPerDay: [0, 0],
    },
    {
      kind: 'credit',
      name: institution.test ? 'Rewards Credit Card' : 'Cash Back Visa',
      accountType: 'CreditCard',
      subType: 'credit_card',
      last4: institution.test ? '4321' : n4(),
      purchasesPerDay: [0, 3],
    },
    {
      kind: 'loan',
      name: 'Auto Loan',
      accountType: 'Loan',
      subType: 'auto',
      last4: n4(),
      purchasesPerDay: [0, 0],
    },
    {
      kind: 'investment',
      name: 'Brokerage Account',
      accountType: 'Investment',
      subType: 'brokerage',
      last4: n4(),
      purchasesPerDay: [0, 0],
    },
  ];
  if (bigAccount && institution.id === '926623ca-5952-4921-8f77-2023f1cdde8e') {
    plans.push({
      kind: 'checking',
      name: 'High Volume Checking',
      accountType: 'Checking',
      subType: 'checking',
      last4: '9999',
      purchasesPerDay:
        bigAccountPerDay === undefined
          ? [5, 8]
          : [Math.max(0, Math.round(bigAccountPerDay) - 3), Math.round(bigAccountPerDay) + 3],
    });
  }
  return plans;
}

export interface AccountInit {
  id: string;
  connectionId: string;
  userId: string;
  memberId: string;
  plan: AccountPlan;
  /** First day of history. */
  startDay: number;
  seed: number;
  currencyLabel: string;
}

const MAX_CACHED_BODIES = 32;
const MAX_CACHED_BYTES = 32 * 1024 * 1024;

export class SandboxAccount {
  readonly id: string;
  readonly connectionId: string;
  readonly userId: string;
  readonly memberId: string;
  readonly plan: AccountPlan;
  readonly startDay: number;
  readonly currencyLabel: string;
  readonly openingCents: number;
  /** Bumped whenever the visible rows change; part of every cache key. */
  version = 0;

  private readonly rng: Rng;
  private readonly events: TxEvent[] = [];
  private readonly extras: TxEvent[] = [];
  private generatedUntil: number;
  private seq = 0;
  private checkNo = 0;
  private spentSincePayment = 0;
  private loanBalance = 0;
  private savingsBalance = 0;
  private readonly payrollCents: number;
  private readonly rentCents: number;
  private readonly loanPaymentCents: number;

  private viewDay = Number.NaN;
  private rows: SandboxTxn[] = [];
  private rowDays: Int32Array = new Int32Array(0);
  private balance = 0;
  private pendingSum = 0;
  private readonly bodies = new Map<string, Buffer>();
  private cachedBytes = 0;

  constructor(init: AccountInit) {
    this.id = init.id;
    this.connectionId = init.connectionId;
    this.userId = init.userId;
    this.memberId = init.memberId;
    this.plan = init.plan;
    this.startDay = init.startDay;
    this.currencyLabel = init.currencyLabel;
    this.rng = mulberry32(hashSeed(init.seed, init.id));
    const r = this.rng;
    this.checkNo = randInt(r, 1001, 1500);
    // Busier accounts earn more, so balances stay plausible instead of drifting far below zero.
    const extraPurchases = Math.max(
      0,
      (init.plan.purchasesPerDay[0] + init.plan.purchasesPerDay[1]) / 2 - 1.5,
    );
    this.payrollCents = randInt(r, 240_000, 320_000) + Math.round(extraPurchases * 5_600 * 14);
    this.rentCents = randInt(r, 120_000, 220_000);
    this.openingCents = {
      checking: randInt(r, 200_000, 800_000),
      savings: randInt(r, 500_000, 2_500_000),
      credit: -randInt(r, 0, 150_000),
      loan: -randInt(r, 2_200_000, 3_200_000),
      investment: randInt(r, 1_000_000, 6_000_000),
    }[init.plan.kind];
    this.loanBalance = this.openingCents;
    // An eight-year loan at 6.5%: still running after the years of history the sandbox shows.
    this.loanPaymentCents = Math.round(-this.openingCents * 0.0134);
    this.savingsBalance = this.openingCents;
    this.generatedUntil = init.startDay - 1;
  }

  /** Rows (posted and pending) visible on `today`, sorted by TransactionDate. */
  rowsOn(today: number): readonly SandboxTxn[] {
    this.ensure(today);
    return this.rows;
  }

  balanceOn(today: number): { balanceCents: number; availableCents: number; pendingCents: number } {
    this.ensure(today);
    const kind = this.plan.kind;
    const available =
      kind === 'credit'
        ? 1_000_000 + this.balance + this.pendingSum
        : kind === 'checking' || kind === 'savings'
          ? this.balance + this.pendingSum
          : this.balance;
    return { balanceCents: this.balance, availableCents: available, pendingCents: this.pendingSum };
  }

  /** Rows with startDay <= TransactionDate <= endDay (inclusive; empty when reversed). */
  rangeOn(today: number, startDay: number, endDay: number): SandboxTxn[] {
    this.ensure(today);
    if (endDay < startDay) return [];
    return this.rows.slice(this.lowerBound(startDay), this.lowerBound(endDay + 1));
  }

  /**
   * The JSON array of a range as UTF-8 bytes, cached: syncs and benchmarks read the same windows
   * again and again, and handing the server ready bytes spares encoding ~1 MB per request.
   */
  rangeBody(today: number, startDay: number, endDay: number, userId: string): Buffer {
    this.ensure(today);
    const key = `${startDay}:${endDay}`;
    const hit = this.bodies.get(key);
    if (hit !== undefined) return hit;
    const rows = this.rangeOn(today, startDay, endDay);
    const parts = new Array<string>(rows.length);
    for (let i = 0; i < rows.length; i++) parts[i] = this.rowJson(rows[i]!, userId);
    const body = Buffer.from(`[${parts.join(',')}]`);
    // Bounded by count and bytes: a few full-history reads of the big account must not pile up.
    this.bodies.set(key, body);
    this.cachedBytes += body.length;
    while (this.bodies.size > MAX_CACHED_BODIES || this.cachedBytes > MAX_CACHED_BYTES) {
      const oldest = this.bodies.keys().next().value!;
      this.cachedBytes -= this.bodies.get(oldest)!.length;
      this.bodies.delete(oldest);
    }
    return body;
  }

  rowJson(t: SandboxTxn, userId: string): string {
    if (t.json === undefined) t.json = JSON.stringify(transactionWire(this, t, userId));
    return t.json;
  }

  addTransaction(tx: NewTransaction): SandboxTxn['id'] {
    const id = guid(this.rng);
    this.extras.push({
      seq: 1_000_000_000 + this.extras.length,
      day: tx.day,
      cents: tx.cents,
      description: tx.description,
      merchant: tx.merchant ?? null,
      category: tx.category ?? null,
      checkNum: null,
      memo: null,
      fate: tx.status === 'Pending' ? Fate.PendingThenVanished : Fate.Posted,
      // A pending transaction added by hand stays pending until removed; 10 years is "forever" here.
      lag: tx.status === 'Pending' ? 3650 : 0,
      idPending: id,
      idPosted: id,
    });
    this.viewDay = Number.NaN;
    return id;
  }

  private lowerBound(day: number): number {
    const days = this.rowDays;
    let lo = 0;
    let hi = days.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (days[mid]! < day) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private ensure(today: number): void {
    if (today === this.viewDay) return;
    while (this.generatedUntil < today) this.generateDay(++this.generatedUntil);
    const rows: SandboxTxn[] = [];
    const visit = (e: TxEvent) => {
      if (e.day > today) return;
      const settled = today >= e.day + e.lag;
      if (e.fate === Fate.Posted || (e.fate === Fate.PendingThenPosted && settled)) {
        const day = e.fate === Fate.Posted ? e.day : e.day + e.lag;
        rows.push(row(e, e.fate === Fate.Posted ? e.idPending : e.idPosted, day, 'Posted'));
      } else if (!settled) rows.push(row(e, e.idPending, e.day, 'Pending'));
    };
    for (const e of this.events) visit(e);
    for (const e of this.extras) visit(e);
    rows.sort((a, b) => a.day - b.day || a.seq - b.seq);
    let balance = this.openingCents;
    let pending = 0;
    const days = new Int32Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      days[i] = r.day;
      if (r.status === 'Posted') {
        balance += r.cents;
        r.balanceCents = balance;
      } else pending += r.cents;
    }
    this.rows = rows;
    this.rowDays = days;
    this.balance = balance;
    this.pendingSum = pending;
    this.bodies.clear();
    this.cachedBytes = 0;
    this.viewDay = today;
    this.version++;
  }

  private push(day: number, cents: number, description: string, extra: Partial<TxEvent> = {}): void {
    const fate = extra.fate ?? Fate.Posted;
    this.events.push({
      seq: this.seq++,
      day,
      cents,
      description,
      merchant: null,
      category: null,
      checkNum: null,
      memo: null,
      lag: 0,
      ...extra,
      fate,
      idPending: guid(this.rng),
      idPosted: fate === Fate.PendingThenPosted ? guid(this.rng) : '',
    });
  }

  private purchase(day: number, sign: -1 | 1 = -1): void {
    const r = this.rng;
    const [merchant, template, category, min, max] = pick(r, PURCHASES);
    const cents = randInt(r, min, max);
    const f = r();
    const fate = f < 0.07 ? Fate.PendingThenVanished : f < 0.45 ? Fate.PendingThenPosted : Fate.Posted;
    this.push(day, sign * cents, fill(r, template, day), { merchant, category, fate, lag: randInt(r, 1, 3) });
    if (this.plan.kind === 'credit' && fate !== Fate.PendingThenVanished) this.spentSincePayment += cents;
  }

  private generateDay(day: number): void {
    const r = this.rng;
    const dom = dayOfMonth(day);
    const plan = this.plan;
    const purchases = randInt(r, plan.purchasesPerDay[0], plan.purchasesPerDay[1]);
    switch (plan.kind) {
      case 'checking': {
        if (weekday(day) === 5 && Math.floor(day / 7) % 2 === 0)
          this.push(
            day,
            this.payrollCents + randInt(r, -5000, 5000),
            'ACME CORP DIRECT DEP PPD ID: 9876543210',
            {
              merchant: 'Acme Corp',
              category: 'Paycheck',
            },
          );
        if (dom === 1)
          this.push(
            day,
            -this.rentCents,
            `ONLINE TRANSFER TO PROPERTY MGMT REF #${randInt(r, 10000000, 99999999)}`,
            {
              category: 'Rent',
            },
          );
        if (dom === 5)
          this.push(day, -randInt(r, 8000, 18000), 'PUGET SOUND ENERGY BILLPAY', {
            merchant: 'Puget Sound Energy',
            category: 'Utilities',
          });
        if (dom === 12)
          this.push(day, -randInt(r, 6500, 9500), 'VERIZON WIRELESS PAYMENTS', {
            merchant: 'Verizon',
            category: 'Mobile Phone',
          });
        if (dom === 15) this.push(day, -50000, 'ONLINE TRANSFER TO SAV XXXXXX5678', { category: 'Transfer' });
        if (r() < 0.03)
          this.push(
            day,
            -pick(r, [2000, 4000, 6000, 10000]),
            `ATM WITHDRAWAL ${randInt(r, 100000, 999999)} MAIN ST`,
            {
              category: 'Cash & ATM',
            },
          );
        if (r() < 0.015) {
          const no = String(this.checkNo++);
          this.push(day, -randInt(r, 2500, 60000), `CHECK #${no}`, { checkNum: no });
        }
        for (let i = 0; i < purchases; i++) this.purchase(day);
        break;
      }
      case 'savings': {
        if (dom === 15) {
          this.push(day, 50000, 'ONLINE TRANSFER FROM CHK XXXXXX1234', { category: 'Transfer' });
          this.savingsBalance += 50000;
        }
        if (dom === 28) {
          const interest = Math.max(1, Math.round((this.savingsBalance * 0.04) / 12));
          this.push(day, interest, 'INTEREST PAYMENT', { category: 'Interest Income', memo: 'APY 4.00%' });
          this.savingsBalance += interest;
        }
        if (r() < 0.01) {
          const out = randInt(r, 10000, 80000);
          this.push(day, -out, 'ONLINE TRANSFER TO CHK XXXXXX1234', { category: 'Transfer' });
          this.savingsBalance -= out;
        }
        break;
      }
      case 'credit': {
        for (let i = 0; i < purchases; i++) this.purchase(day);
        if (r() < 0.005) {
          const [merchant, , category] = pick(r, PURCHASES);
          this.push(day, randInt(r, 500, 8000), `RETURN ${merchant ?? 'MERCHANT'} CREDIT`, {
            merchant,
            category,
          });
        }
        if (dom === 20 && this.spentSincePayment > 0) {
          this.push(day, this.spentSincePayment, 'PAYMENT THANK YOU', { category: 'Credit Card Payment' });
          this.spentSincePayment = 0;
        }
        break;
      }
      case 'loan': {
        if (dom === 3 && this.loanBalance < 0) {
          const pay = Math.min(this.loanPaymentCents, -this.loanBalance);
          this.push(day, pay, 'LOAN PAYMENT RECEIVED - THANK YOU', { category: 'Auto Payment' });
          this.loanBalance += pay;
        }
        if (dom === 28 && this.loanBalance < 0) {
          const interest = Math.round((-this.loanBalance * 0.065) / 12);
          this.push(day, -interest, 'INTEREST CHARGED', { category: 'Finance Charge' });
          this.loanBalance -= interest;
        }
        break;
      }
      case 'investment': {
        if (dom === 10) this.push(day, 30000, 'CONTRIBUTION - THANK YOU', { category: 'Investments' });
        const month = new Date(day * 86_400_000).getUTCMonth();
        if (dom === 25 && month % 3 === 2)
          this.push(day, randInt(r, 2000, 15000), 'DIVIDEND RECEIVED VANGUARD TOTAL STK MKT', {
            merchant: 'Vanguard',
            category: 'Dividend & Cap Gains',
          });
        if (r() < 0.003) this.push(day, -2500, 'ADVISORY FEE', { category: 'Fees & Charges' });
        break;
      }
    }
  }
}

function row(e: TxEvent, id: string, day: number, status: 'Posted' | 'Pending'): SandboxTxn {
  return {
    id,
    seq: e.seq,
    day,
    postDay: status === 'Posted' ? day : null,
    cents: e.cents,
    status,
    description: e.description,
    merchant: e.merchant,
    category: e.category,
    checkNum: e.checkNum,
    memo: e.memo,
    balanceCents: null,
  };
}

/** One TransactionInformation as Sophtron sends it: every field, null when unknown. */
export function transactionWire(
  account: SandboxAccount,
  t: SandboxTxn,
  userId: string,
): Record<string, unknown> {
  const date = netDate(t.day);
  return {
    TransactionID: t.id,
    ID: t.id,
    UserInstitutionAccountID: account.id,
    UserID: userId,
    Status: t.status,
    Type: t.cents < 0 ? 'DEBIT' : 'CREDIT',
    Amount: t.cents / 100,
    Currency: account.currencyLabel,
    Date: date,
    TransactionDate: date,
    PostDate: t.postDay === null ? null : netDate(t.postDay),
    Description: t.description,
    Balance: t.balanceCents === null ? null : t.balanceCents / 100,
    Merchant: t.merchant,
    Category: t.category,
    CheckNum: t.checkNum,
    Memo: t.memo,
    CheckImage: null,
    CreatedDateUtc: date,
    LastModifiedUtc: date,
    LastModified: date,
  };
}
