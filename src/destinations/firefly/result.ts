/** What a Firefly III delivery reports, and the tally a run keeps of it while it delivers. */
import type { BalanceComparison } from './balance-check.js';
import { FireflyAuthError, FireflyRateLimitedError, FireflyUnreachableError } from './client.js';

export interface DeliveryProgress {
  done: number;
  total: number;
  created: number;
  updated: number;
  failed: number;
}

export interface DeliveryResult {
  fireflyVersion: string;
  created: number;
  updated: number;
  /** Found in Firefly already (an earlier run's unknown outcome, or Firefly's duplicate hash). */
  alreadyThere: number;
  unchanged: number;
  skipped: number;
  paired: number;
  deletedInFirefly: number;
  removed: number;
  failed: number;
  /** Updates that kept a field the person had edited in Firefly III (the bank changed it too). */
  keptEdits: number;
  accountsCreated: number;
  warnings: string[];
  errors: { transactionId: number | null; message: string }[];
  balances: BalanceComparison[];
  requests: number;
  /** Set when the run stopped early (Firefly unreachable, token refused). */
  aborted: string | null;
}

export function emptyResult(fireflyVersion: string): DeliveryResult {
  return {
    fireflyVersion,
    created: 0,
    updated: 0,
    alreadyThere: 0,
    unchanged: 0,
    skipped: 0,
    paired: 0,
    deletedInFirefly: 0,
    removed: 0,
    failed: 0,
    keptEdits: 0,
    accountsCreated: 0,
    warnings: [],
    errors: [],
    balances: [],
    requests: 0,
    aborted: null,
  };
}

/** The counts of one run, the accounts it changed in Firefly, its progress and whether it stopped. */
export class DeliveryTally {
  /** Accounts whose Firefly balance this run changed (their balance is checked again). */
  readonly touched = new Set<string>();
  total = 0;
  private done = 0;

  constructor(
    readonly result: DeliveryResult,
    private readonly onProgress?: (p: DeliveryProgress) => void,
  ) {}

  /** Firefly unreachable, the token refused, rate-limited past the budget: the run stops. */
  fatal(err: unknown): boolean {
    if (
      err instanceof FireflyAuthError ||
      err instanceof FireflyUnreachableError ||
      err instanceof FireflyRateLimitedError
    ) {
      this.result.aborted ??= err.message;
      return true;
    }
    return false;
  }

  /** Counts a failed transaction (or account, with a null id); returns the message. */
  fail(transactionId: number | null, err: unknown): string {
    this.result.failed++;
    const message = err instanceof Error ? err.message : String(err);
    this.result.errors.push({ transactionId, message });
    return message;
  }

  /** One row (or removal) handled, whatever its outcome. */
  step(): void {
    this.done++;
    const r = this.result;
    this.onProgress?.({
      done: this.done,
      total: this.total,
      created: r.created,
      updated: r.updated,
      failed: r.failed,
    });
  }
}
