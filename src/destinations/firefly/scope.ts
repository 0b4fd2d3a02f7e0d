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
    const sides = rows.map((r) => ({
      id: r.id,
      deliveryState: r.partner_state,
      conversion: convertTransaction(r, partnerTarget, this.input.convertOptions),
    }));
    return choosePartner(c, target.fireflyAccountId, sides);
  }
}
