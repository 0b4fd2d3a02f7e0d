/**
 * Wire shapes: PascalCase, every documented field present, null when
 * unknown (Newtonsoft's default), dates in .NET's zone-less ISO form.
 */
import type { SandboxInstitution } from './banks.js';
import type { SandboxAccount } from './data.js';
import { dayOfMonth, netDate } from './rng.js';
import type { UserInstitution, Customer } from './state.js';

export const netDateTime = (d: Date): string => d.toISOString().slice(0, 19);

export function institutionWire(b: SandboxInstitution): Record<string, unknown> {
  return {
    InstitutionID: b.id,
    InstitutionName: b.name,
    URL: b.url,
    Logo: null,
    CountryCode: b.countryCode,
    LanguageCode: b.languageCode,
    IsFinancial: true,
    InstitutionDetail: {
      LoginFormUserName: 'User ID',
      LoginFormPassword: 'Password',
      RoutingNumber: b.routingNumber,
      MultipleRoutingNumbers: null,
      LoginFormFields: [{ DisplayText: 'User ID' }, { DisplayText: 'Password' }],
    },
  };
}

export function userInstitutionWire(c: UserInstitution): Record<string, unknown> {
  const profile = c.profileInfo;
  return {
    UserID: c.userId,
    InstitutionID: c.institution.id,
    UserInstitutionID: c.id,
    MemberID: c.memberId,
    UserName: c.userName,
    CompanyID: c.companyId,
    CompanyName: null,
    OwnerName: profile ? 'Alex Sandbox' : null,
    Address: profile ? '1 Sandbox Way, Seattle, WA 98101' : null,
    Phone: profile ? "['Primary: 425-000-1234', 'Secondary: 206-123-5678']" : null,
    Email: profile ? "['Work: alex@sandbox.example']" : null,
    LastModified: netDateTime(c.lastModified),
  };
}

function nextDayOfMonth(today: number, dom: number): number {
  for (let d = today + 1; d < today + 40; d++) if (dayOfMonth(d) === dom) return d;
  return today + 30;
}

export function accountWire(
  a: SandboxAccount,
  c: UserInstitution,
  today: number,
  balance: { balanceCents: number; availableCents: number },
): Record<string, unknown> {
  const full = c.fullAccountNumbers;
  const kind = a.plan.kind;
  const canadian = c.institution.countryCode === 'CA';
  const updated = c.lastUpdated ? netDateTime(c.lastUpdated) : null;
  return {
    UserInstitutionID: c.id,
    AccountID: a.id,
    ID: a.id,
    MemberID: c.memberId,
    UserID: c.userId,
    InstitutionID: c.institution.id,
    AccountName: a.plan.name,
    AccountNumber: `xxx${a.plan.last4}`,
    AccountType: a.plan.accountType,
    SubType: a.plan.subType,
    Balance: balance.balanceCents / 100,
    AvailableBalance: balance.availableCents / 100,
    BalanceCurrency: a.currencyLabel,
    LastUpdated: updated,
    DueDate:
      kind === 'credit'
        ? netDate(nextDayOfMonth(today, 20))
        : kind === 'loan'
          ? netDate(nextDayOfMonth(today, 3))
          : null,
    Status: 'Tracked',
    FullAccountNumber: full ? `40021${a.plan.last4.padStart(4, '0')}7` : null,
    RoutingNumber: full && !canadian ? c.institution.routingNumber : null,
    InstitutionNumber: full && canadian ? '001' : null,
    TransitNumber: full && canadian ? '00011' : null,
    OwnerName: full || c.profileInfo ? 'Alex Sandbox' : null,
    LastModifiedUtc: updated,
    UserInstitution: null,
  };
}

export function customerWire(c: Customer, memberIds: string[]): Record<string, unknown> {
  return {
    CustomerID: c.id,
    UniqueID: c.uniqueId,
    Name: c.name,
    Source: c.source,
    MemberIDs: memberIds,
    CreatedDate: netDateTime(c.createdAt),
  };
}

export function memberWire(c: UserInstitution): Record<string, unknown> {
  return {
    MemberID: c.memberId,
    ID: c.memberId,
    CustomerID: c.customerId,
    InstitutionID: c.institution.id,
    UserInstitutionID: c.id,
    LastModified: netDateTime(c.lastModified),
  };
}
