/**
 * A Firefly data importer file (version 3, the Sophtron flow) that imports the last 30 days of one
 * Sophtron account into a new Firefly account: the smallest import that makes a sync.
 */
export const fidiImportOf = (sophtronAccountId: string): string =>
  JSON.stringify({
    version: 3,
    flow: 'sophtron',
    accounts: { [sophtronAccountId]: 0 },
    date_range: 'partial',
    date_range_number: 30,
    date_range_unit: 'd',
  });
