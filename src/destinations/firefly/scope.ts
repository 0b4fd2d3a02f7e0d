/**
 * What one delivery knows of the family's accounts once they are in Firefly III: where each ledger
 * account goes, each row's conversion (made once per run), and the other side of a transfer
 * between two of the user's accounts (read from the ledger, chosen by plan.ts choosePartner).
 */
import { addDays } from '../../dates.js';
import type {
  DeliveryCandidate,
  FireflyAccountRow,
  FireflyDeliveryRepository,
} from '../../store/firefly-delivery.js';
import { convertTransaction, type Converted, type ConvertOptions, type TargetAccount } from './convert.js';
import { choosePartner } from './plan.js';

type Group = Extract<Converted, { kind: 'group' }>;

export interface ScopeInput {
  ledger: FireflyDeliveryRepository;
  familyId: string;
  /** Ledger account → its Firefly account (those this run linked or created included). */
  links: Map<string, FireflyAccountRow>;
  sophtronIds: Map<string, string | null>;
  convertOptions: ConvertOptions;
  /** Days between the two sides of a transfer. */
  transferMatchDays: number;
}

export class DeliveryScope {
  private readonly conversions = new Map<number, Converted>();
  private readonly fireflyIdToAccount = new Map<string, string>();
  /**
   * This run's pairing decisions (row → the side it pairs with, or null: it is sent itself). The
   * run's records are written in batches, so they, not the ledger, say what this run claimed.
   */
  private readonly decided = new Map<number, number | null>();

  constructor(private readonly input: ScopeInput) {
    for (const [accountId, row] of input.links)
      if (row.firefly_account_id) this.fireflyIdToAccount.set(row.firefly_account_id, accountId);
  }

  /** Where a ledger account's rows go, or null when it has no linked Firefly account. */
  targetFor(accountId: string): TargetAccount | null {
    const row = this.input.links.get(accountId);
    if (row?.state !== 'linked' || !row.firefly_account_id) return null;
    return {
      ledgerAccountId: accountId,
      fireflyAccountId: row.firefly_account_id,
      sophtronAccountId: this.input.sophtronIds.get(accountId) ?? null,
    };
  }

  /** The row's conversion (null: its account has no Firefly account), made once per run. */
  convert(c: DeliveryCandidate): Converted | null {
    const target = this.targetFor(c.account_id);
    if (!target) return null;
    let conv = this.conversions.get(c.id);
    if (!conv) {
      conv = convertTransaction(c, target, this.input.convertOptions);
      this.conversions.set(c.id, conv);
    }
    return conv;
  }

  /** The ledger id of the transfer's other side this row pairs with, or null. */
  async findPartner(c: DeliveryCandidate, conv: Group): Promise<number | null> {
    const target = this.targetFor(c.account_id);
    if (!target || !conv.transferCounterpart || c.amount_minor === 0) return null;
    const partnerAccount = this.fireflyIdToAccount.get(conv.transferCounterpart);
    if (!partnerAccount || partnerAccount === c.account_id) return null;
    const partnerLink = this.input.links.get(partnerAccount);
    if (!partnerLink?.firefly_account_id) return null;
    const { ledger, familyId, transferMatchDays: days } = this.input;
    const rows = await ledger.transferSides(familyId, partnerAccount, -c.amount_minor, {
      from: addDays(c.date, -days),
      to: addDays(c.date, days),
    });
    const partnerTarget: TargetAccount = {
      ledgerAccountId: partnerAccount,
      fireflyAccountId: partnerLink.firefly_account_id,
      sophtronAccountId: this.input.sophtronIds.get(partnerAccount) ?? null,
    };
    const claims = await ledger.pairedWith(familyId, [c.id, ...rows.map((r) => r.id)]);
    // From here to the decision nothing is awaited: concurrent rows see each other's claims.
    const claimant = (id: number): number | null => {
      for (const [row, partner] of this.decided) if (partner === id && row !== c.id) return row;
      const stored = claims.find(
        (x) => x.paired_with === id && x.transaction_id !== c.id && !this.decided.has(x.transaction_id),
      );
      return stored?.transaction_id ?? null;
    };
    const sides = rows.map((r) => ({
      id: r.id,
      date: r.date,
      deliveryState: this.stateNow(r.id, r.partner_state),
      conversion: convertTransaction(r, partnerTarget, this.input.convertOptions),
      claimedBy: claimant(r.id),
    }));
    const partner = choosePartner(c, target.fireflyAccountId, sides, claimant(c.id));
    this.decided.set(c.id, partner);
    return partner;
  }

  /** A row's delivery state, after what this run decided for it. */
  private stateNow(id: number, stored: string | null): string | null {
    if (!this.decided.has(id)) return stored;
    if (this.decided.get(id) !== null) return 'paired';
    return stored === 'paired' ? null : stored;
  }
}
