import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { FIDI_SCHEMA_PATH, readReference } from '../../../test/fakes/openapi.js';
import { dateWindow, FidiConfigError, importPlan, parseFidiConfig, writeFidiConfig } from './fidi-config.js';

const example = {
  version: 3,
  flow: 'sophtron',
  accounts: { '2c1f0d3e-aaaa-bbbb-cccc-0123456789ab': 7, '9e8d7c6b-1111-2222-3333-444455556666': 0 },
  new_accounts: {
    '9e8d7c6b-1111-2222-3333-444455556666': {
      name: 'Chase Visa',
      type: 'liabilities',
      currency: 'USD',
      opening_balance: '',
      liability_type: 'debt',
      liability_direction: 'credit',
      create: 1,
    },
  },
  default_account: 7,
  date_range: 'partial',
  date_range_number: 14,
  date_range_unit: 'd',
  date_range_not_after_number: 0,
  date_range_not_after_unit: '',
  date_not_before: '',
  date_not_after: '',
  rules: true,
  webhooks: true,
  add_import_tag: true,
  custom_tag: 'Sophtron %date%',
  map_all_data: true,
  mapping: { '0': { 'AMAZON MKTPLACE': 42, 'Transfer to Savings': 9 } },
  duplicate_detection_method: 'cell',
  unique_column_type: 'external-id',
  unique_column_index: 0,
  ignore_duplicate_transactions: false,
  ignore_duplicate_lines: false,
  skip_form: false,
  roles: [],
  do_mapping: [],
  delimiter: 'comma',
  headers: false,
  conversion: false,
  my_own_key: { kept: true },
  access_token: 'https://secret@simplefin.example/abc',
};

describe('the data importer configuration file', () => {
  it('round-trips: read, write back valid against the v3 schema, read again to the same settings; unknown keys kept, secrets dropped', () => {
    const config = parseFidiConfig(JSON.stringify(example));
    const written = writeFidiConfig(config, { accounts: { '9e8d7c6b-1111-2222-3333-444455556666': 12 } });
    const json = JSON.parse(written) as Record<string, unknown>;
    expect(json.my_own_key).toEqual({ kept: true });
    expect(written).not.toContain('secret');
    expect(json).not.toHaveProperty('access_token');
    expect(json.accounts).toEqual({
      '2c1f0d3e-aaaa-bbbb-cccc-0123456789ab': 7,
      '9e8d7c6b-1111-2222-3333-444455556666': 12,
    });
    const again = parseFidiConfig(written);
    const {
      accounts: _a,
      source: _s,
      created_at: _c,
      access_token: _t,
      ...rest
    } = { ...config } as Record<string, unknown>;
    for (const [k, v] of Object.entries(rest)) expect(again[k as keyof typeof again], k).toEqual(v);

    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile(JSON.parse(readReference(FIDI_SCHEMA_PATH)) as object);
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
    // A minimal file of ours is complete too (the schema requires CSV-only keys even for bank flows).
    const minimal = JSON.parse(writeFidiConfig(parseFidiConfig('{"version":3,"flow":"sophtron"}'))) as object;
    expect(validate(minimal), JSON.stringify(validate.errors)).toBe(true);
  });

  it('names the key in its errors', () => {
    const bad = { ...example, date_range: 'sometimes', accounts: { x: -1 }, flow: 'nordigen' };
    const err = (() => {
      try {
        parseFidiConfig(JSON.stringify(bad));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(FidiConfigError);
    const text = (err as Error).message;
    expect(text).toMatch(/date_range:/);
    expect(text).toMatch(/accounts\.x:/);
    expect(text).toMatch(/flow: must be "sophtron"/);
    expect(() => parseFidiConfig('{oops')).toThrow(/not JSON/);
    expect(() => parseFidiConfig('{"version":1,"flow":"sophtron"}')).toThrow(/version: must be 3/);
  });

  it('accepts what PHP writes ([] for empty objects, "1" for true)', () => {
    const c = parseFidiConfig(
      JSON.stringify({ version: 3, flow: 'sophtron', accounts: [], mapping: [], rules: '1' }),
    );
    expect(c.accounts).toEqual({});
    expect(c.mapping).toEqual({});
    expect(c.rules).toBe(true);
  });

  it('computes the date window: partial with a not-after bound, range (swapped when reversed), all', () => {
    const base = parseFidiConfig(JSON.stringify({ version: 3, flow: 'sophtron' }));
    expect(
      dateWindow(
        {
          ...base,
          date_range: 'partial',
          date_range_number: 2,
          date_range_unit: 'w',
          date_range_not_after_number: 2,
          date_range_not_after_unit: 'd',
        },
        '2026-03-15',
      ),
    ).toEqual({ from: '2026-03-01', to: '2026-03-13' });
    expect(
      dateWindow(
        { ...base, date_range: 'range', date_not_before: '2026-02-01', date_not_after: '2026-01-01' },
        '2026-03-15',
      ),
    ).toEqual({ from: '2026-01-01', to: '2026-02-01' });
    expect(dateWindow(base, '2026-03-15')).toEqual({ from: null, to: '2026-03-15' });
  });

  it('plans targets, pending handling, tags and mapping', () => {
    const plan = importPlan(
      parseFidiConfig(JSON.stringify({ ...example, pending_transactions: true })),
      '2026-03-15',
    );
    expect(plan.targets.get('2c1f0d3e-aaaa-bbbb-cccc-0123456789ab')).toEqual({
      kind: 'existing',
      fireflyAccountId: '7',
    });
    expect(plan.targets.get('9e8d7c6b-1111-2222-3333-444455556666')).toMatchObject({
      kind: 'new',
      name: 'Chase Visa',
      type: 'liabilities',
      currency: 'USD',
    });
    expect(plan.pending).toBe('tag');
    expect(plan.customTag).toBe('Sophtron %date%');
    expect(plan.mapping).toEqual({ 'AMAZON MKTPLACE': 42, 'Transfer to Savings': 9 });
    expect(plan.window).toEqual({ from: '2026-03-01', to: '2026-03-15' });
  });
});
