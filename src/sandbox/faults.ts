/**
 * Fault injection: random faults by rate (seeded, so a run is reproducible) and scripted faults
 * per endpoint ("the next 2 calls to GetTransactionsByTransactionDate return 429").
 * Faults before the handler (429, 5xx, delay, reset) have no side effects; malformed and truncate
 * corrupt the real response body after the handler ran.
 */
import { z } from 'zod';
import { hashSeed, mulberry32, type Rng } from './rng.js';

export const FAULT_KINDS = ['429', '500', '503', 'delay', 'reset', 'malformed', 'truncate'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Random faults by rate (0..1 each; their sum at most 1), plus knobs for the 429 and delay kinds. */
export type FaultSpec = Partial<Record<FaultKind, number>> & { retryAfter?: number; delayMs?: number };

export const faultSpecSchema = z
  .object({
    ...Object.fromEntries(FAULT_KINDS.map((k) => [k, z.number().min(0).max(1).optional()])),
    retryAfter: z.number().int().min(0).max(3600).optional(),
    delayMs: z.number().int().min(0).max(600_000).optional(),
  })
  .strict()
  .refine((s) => FAULT_KINDS.reduce((sum, k) => sum + ((s as FaultSpec)[k] ?? 0), 0) <= 1, {
    message: 'the rates add up to more than 1',
  }) as unknown as z.ZodType<FaultSpec>;

export interface ScriptedFault {
  /** Endpoint name ("GetTransactionsByTransactionDate", "Job/GetJobInformationByID", "v2/customers") or "*". */
  endpoint: string;
  kind: FaultKind;
  /** How many matching calls get the fault. */
  count: number;
  retryAfter?: number;
  delayMs?: number;
}

export const scriptedFaultSchema = z.object({
  endpoint: z.string().min(1),
  kind: z.enum(FAULT_KINDS),
  count: z.number().int().min(1).max(1_000_000).default(1),
  retryAfter: z.number().int().min(0).max(3600).optional(),
  delayMs: z.number().int().min(0).max(600_000).optional(),
});

export interface FaultDecision {
  kind: FaultKind;
  retryAfter: number;
  delayMs: number;
  scripted: boolean;
}

/** Parses the CLI form `429=0.2,500=0.1,truncate=0.05` (also `delayMs=200`, `retryAfter=2`). */
export function parseFaultList(text: string): FaultSpec {
  const out: Record<string, number> = {};
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [key, value] = part.split('=');
    if (!key || value === undefined || value.trim() === '' || Number.isNaN(Number(value)))
      throw new Error(`"${part}" is not kind=rate`);
    out[key.trim()] = Number(value);
  }
  const parsed = faultSpecSchema.safeParse(out);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    throw new Error(`${where}${issue?.message ?? 'invalid'} (kinds: ${FAULT_KINDS.join(', ')})`);
  }
  return parsed.data;
}

export class FaultInjector {
  private rates: FaultSpec;
  private rng: Rng;
  private scripted: ScriptedFault[] = [];

  constructor(spec: FaultSpec = {}, seed = 0) {
    this.rates = spec;
    this.rng = mulberry32(hashSeed('faults', seed));
  }

  setRates(spec: FaultSpec): void {
    this.rates = spec;
  }

  getRates(): FaultSpec {
    return { ...this.rates };
  }

  script(fault: ScriptedFault): void {
    this.scripted.push({ ...fault });
  }

  listScripted(): ScriptedFault[] {
    return this.scripted.map((f) => ({ ...f }));
  }

  clear(): void {
    this.scripted = [];
    this.rates = {};
  }

  /** Decides the fault of one request to `endpoint` (canonical name) at `path`. Scripted faults win. */
  decide(endpoint: string, path: string): FaultDecision | null {
    const ep = endpoint.toLowerCase();
    const lowerPath = path.toLowerCase();
    const i = this.scripted.findIndex((f) => matches(f.endpoint, ep, lowerPath));
    if (i >= 0) {
      const f = this.scripted[i]!;
      if (--f.count <= 0) this.scripted.splice(i, 1);
      return { kind: f.kind, retryAfter: f.retryAfter ?? 1, delayMs: f.delayMs ?? 1000, scripted: true };
    }
    let roll = -1;
    for (const kind of FAULT_KINDS) {
      const rate = this.rates[kind];
      if (!rate) continue;
      if (roll < 0) roll = this.rng();
      if (roll < rate)
        return {
          kind,
          retryAfter: this.rates.retryAfter ?? 1,
          delayMs: this.rates.delayMs ?? 200,
          scripted: false,
        };
      roll -= rate;
    }
    return null;
  }
}

function matches(pattern: string, endpoint: string, path: string): boolean {
  const p = pattern.toLowerCase().replace(/^\/+/, '');
  if (p === '*') return true;
  return endpoint === p || endpoint.endsWith(`/${p}`) || path.endsWith(`/${p}`);
}
