/**
 * The command-line household from the README, as a newcomer runs it: SOPHTRON_USER_ID and
 * SOPHTRON_ACCESS_KEY in the environment (no web setup), `connect` a test bank, `accounts link`,
 * `sync`, then `ledger transactions` shows what the ledger holds. Deleting pending rows with
 * `ledger delete` keeps them deleted when the bank posts them under new TransactionIDs, until
 * `sync --include-deleted`. Child processes where a person types (connect) and for the first sync,
 * main() in this process for the rest (each process start costs); a real ledger file; the sandbox.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_MFA_BANK_ID, startSandbox, type RunningSandbox } from '../src/sandbox/index.js';
import { openDatabase } from '../src/store/database.js';
import { runCli, runCliInProcess, type CliEnv } from './helpers/cli.js';
import { sandboxCliEnv } from './helpers/sandbox-family.js';

const dataDir = mkdtempSync(join(tmpdir(), 'ss-cli-ledger-'));
const START = '2026-05-20';
let sandbox: RunningSandbox;
let env: CliEnv = {};

const cli = (args: string[], input?: string) => runCli(args, env, input);

interface LedgerRowJson {
  id: number;
  status: string;
  date: string;
  amountMinor: number;
  amount: string;
  currency: string;
  description: string | null;
  sophtronTransactionId: string;
  replacedPendingId: string | null;
}

async function ledgerRows(): Promise<LedgerRowJson[]> {
  // Reads need no process of their own: main() in this process, on the same data folder.
  const r = await runCliInProcess(['ledger', 'transactions', '--limit', '10000', '--json'], env);
  expect(r.stderr).toBe('');
  const out = JSON.parse(r.stdout) as { total: number; transactions: LedgerRowJson[] };
  expect(out.total).toBe(out.transactions.length);
  return out.transactions;
}

const ids = (rows: { id?: unknown; sophtronTransactionId?: string; transactionId?: string }[]) =>
  rows.map((r) => r.sophtronTransactionId ?? r.transactionId!).sort();

beforeAll(async () => {
  sandbox = await startSandbox({
    seed: 11,
    pollsPerStep: 1,
    bigAccount: false,
    now: () => new Date(Date.UTC(2026, 5, 15, 15) + offset * 86_400_000),
  });
  env = sandboxCliEnv(sandbox, dataDir, { SOPHTRON_RETRY_BUDGET_MS: '2000' });
}, 30_000);
let offset = 0;

afterAll(async () => {
  await sandbox?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('command-line household: connect → link → sync → ledger', () => {
  it('shows the bank in the ledger, and keeps deleted pending rows deleted once they post', async () => {
    const connected = await cli(
      ['connect', '--institution', NO_MFA_BANK_ID, '--json'],
      'asdfg12X\nasdfg12X\n',
    );
    expect(connected.code, connected.stderr).toBe(0);
    const { accounts } = JSON.parse(connected.stdout) as { accounts: { accountId: string; name: string }[] };
    const checking = accounts.find((a) => a.name === 'Primary Checking')!;

    const linked = await runCliInProcess(
      ['accounts', 'link', checking.accountId, '--start-date', START],
      env,
    );
    expect(linked.stdout).toMatch(/^linked .* "Primary Checking": kind depository, currency USD/);

    const synced = await cli(['sync']);
    expect(synced.code, synced.stderr).toBe(0);
    // No log lines in the terminal unless LOG_LEVEL asks: the command's own lines say it all.
    expect(synced.stderr).toBe('');
    expect(synced.stdout).toMatch(/^ok {2}Primary Checking {2}2026-05-20\.\.\S+ {2}\d+ new/m);

    // The ledger equals the bank from the start date: posted and pending rows, amounts exact.
    const truth = () => sandbox.control.transactions(checking.accountId).filter((t) => t.date >= START);
    let rows = await ledgerRows();
    expect(ids(rows)).toEqual(ids(truth()));
    const first = truth()[0]!;
    expect(rows.find((r) => r.sophtronTransactionId === first.transactionId)).toMatchObject({
      amountMinor: first.amountCents,
      currency: 'USD',
      date: first.date,
      description: first.description,
    });
    const text = await runCliInProcess(
      ['ledger', 'transactions', '--account', 'primary checking', '--limit', '3'],
      env,
    );
    expect(text.stdout.split('\n')[0]).toMatch(/^id +date +account +amount +status +description$/);
    expect(text.stdout).toMatch(/^showing the newest 3 of \d+;/m);

    // The user deletes every pending row; the bank then posts some under new ids, drops others.
    const pending = rows.filter((r) => r.status === 'pending');
    expect(pending.length).toBeGreaterThan(1);
    const deleted = await runCliInProcess(['ledger', 'delete', ...pending.map((r) => String(r.id))], env);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toMatch(/a sync will not bring them back/);
    offset = 6;
    const resync = await runCliInProcess(['sync', '--from', START], env);
    expect(resync.code, resync.stderr).toBe(0);
    expect(resync.stdout).toMatch(/^ok {2}Primary Checking .* \d+ you deleted left out /m);

    rows = await ledgerRows();
    const { db, close } = await openDatabase({ dataDir });
    const successors = await db
      .selectFrom('tombstones')
      .select(['provider_transaction_id', 'replaced_pending_id', 'amount_minor'])
      .where('origin', '=', 'successor')
      .execute();
    await close();
    // Some of the deleted pending rows posted: each posted successor stayed out of the ledger.
    expect(successors.length).toBeGreaterThan(0);
    const deletedIds = new Set(pending.map((p) => p.sophtronTransactionId));
    for (const s of successors) {
      expect(deletedIds.has(s.replaced_pending_id!)).toBe(true);
      const was = pending.find((p) => p.sophtronTransactionId === s.replaced_pending_id)!;
      expect(s.amount_minor).toBe(was.amountMinor);
    }
    const blocked = new Set([...deletedIds, ...successors.map((s) => s.provider_transaction_id)]);
    expect(ids(rows)).toEqual(ids(truth().filter((t) => !blocked.has(t.transactionId))));

    // Asked to, the sync brings the posted ones back, saying which pending row each replaced.
    const restore = await runCliInProcess(['sync', '--from', START, '--include-deleted', '--json'], env);
    expect(restore.code, restore.stderr).toBe(0);
    rows = await ledgerRows();
    expect(ids(rows)).toEqual(ids(truth()));
    for (const s of successors) {
      expect(rows.find((r) => r.sophtronTransactionId === s.provider_transaction_id)).toMatchObject({
        status: 'posted',
        replacedPendingId: s.replaced_pending_id,
      });
    }
  }, 90_000);

  it('names the flag when an argument is wrong', async () => {
    const bad = [];
    for (const args of [
      ['ledger', 'transactions', '--status', 'done'],
      ['ledger', 'transactions', '--account', 'nope'],
      ['ledger', 'delete', 'abc'],
    ])
      bad.push(await runCliInProcess(args, env));
    expect(bad.map((b) => b.code)).toEqual([1, 1, 1]);
    expect(bad[0]!.stderr).toBe('error: --status: must be one of pending, posted, vanished (got "done")\n');
    expect(bad[1]!.stderr).toMatch(
      /^error: --account "nope" is not a ledger account; ledger: "Primary Checking"/,
    );
    expect(bad[2]!.stderr).toBe('error: <id>: must be a ledger transaction id, a whole number (got "abc")\n');
  });
});
