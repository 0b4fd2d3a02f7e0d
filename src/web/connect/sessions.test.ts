/**
 * Connect sessions and live tasks through the database: two stores on one database stand for two
 * `serve` processes. The first drives a real sandbox connect; the second reads each challenge and
 * posts the answers, and follows a task the first runs. Answers wait sealed and are cleared once
 * taken; a task keeps only its newest lines.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/databases.js';
import { sandboxClient } from '../../../test/helpers/sandbox-family.js';
import { until } from '../../../test/helpers/until.js';
import { SOPHTRON_BANK_ID, startSandbox, type RunningSandbox } from '../../sandbox/index.js';
import { openStore, type Store } from '../../store/index.js';
import { MAX_TASK_LINES } from '../../store/web-tasks.js';
import { LiveTasks, type TaskEvent } from '../tasks.js';
import { ConnectSessions } from './sessions.js';

let database: TestDatabase;
let sandbox: RunningSandbox;
let a: Store;
let b: Store;
let familyId: string;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, pollsPerStep: 1, seed: 3 });
  database = await createTestDatabase();
  const key = Buffer.alloc(32, 9).toString('base64');
  const open = () => openStore({ dataDir: database.dataDir, databaseUrl: database.url, secretKey: key });
  a = await open();
  b = await open();
  familyId = (await a.createFamily({ name: 'F', timeZone: 'UTC' })).id;
});

afterAll(async () => {
  await a?.close();
  await b?.close();
  await database?.dispose();
  await sandbox?.close();
});

const options = { jobTimeoutMs: 60_000, pollIntervalMs: 10, maxPollIntervalMs: 20, watchIntervalMs: 10 };
const owner = () => ({ session: 'session-hash', familyId });
const institution = { id: SOPHTRON_BANK_ID, name: 'Sophtron Bank', countryCode: 'US' };

/** Starts connecting Sophtron Bank (captcha, question, token method, token) through `driver`. */
const startSophtronBank = (driver: ConnectSessions) =>
  driver.startConnect(sandboxClient(sandbox), owner(), institution, {
    institutionId: SOPHTRON_BANK_ID,
    username: 'asdfg12X',
    password: 'asdfg12X',
  });

it('a connect driven by one process is answered through another, and the answer does not stay', async () => {
  const driver = new ConnectSessions(a, options);
  const other = new ConnectSessions(b, options);
  const { id } = await startSophtronBank(driver);
  expect(await other.get(id, { ...owner(), session: 'another' })).toBeUndefined();

  const challenge = (kind: string) =>
    until(`a ${kind} challenge`, async () => {
      const s = await other.get(id, owner());
      if (s?.phase === 'failed') throw new Error(`failed: ${s.message}`);
      return s?.phase === 'challenge' && s.challenge?.kind === kind ? s : undefined;
    });

  const captcha = await challenge('captcha');
  expect(captcha.challenge?.kind === 'captcha' && captcha.challenge.image.slice(1, 4)).toEqual(
    new Uint8Array([0x50, 0x4e, 0x47]),
  );
  expect(await other.answer(captcha, captcha.challengeSeq + 1, { kind: 'captcha', text: 'X' })).toBe(false);
  expect(await other.answer(captcha, captcha.challengeSeq, { kind: 'captcha', text: 'ABCDE' })).toBe(true);
  // A second answer to the same round is stale.
  expect(await other.answer(captcha, captcha.challengeSeq, { kind: 'captcha', text: 'ABCDE' })).toBe(false);

  const question = await challenge('security_questions');
  expect(question.challengeSeq).toBe(captcha.challengeSeq + 1);
  await other.answer(question, question.challengeSeq, { kind: 'security_questions', answers: ['blue'] });
  const method = await challenge('token_method');
  if (method.challenge?.kind !== 'token_method') throw new Error('no methods');
  await other.answer(method, method.challengeSeq, {
    kind: 'token_method',
    method: method.challenge.methods[0]!,
  });
  const token = await challenge('token_input');
  await other.answer(token, token.challengeSeq, { kind: 'token_input', code: '918273' });
  // While it waits for the driver, the code is sealed in the row, never plain text.
  const waiting = await b.db
    .selectFrom('connect_sessions')
    .select(['answer'])
    .where('id', '=', id)
    .executeTakeFirst();
  expect(waiting?.answer ?? '').not.toContain('918273');

  const done = await until('the connect to end', async () => {
    const s = await other.get(id, owner());
    return s && (s.phase === 'accounts' || s.phase === 'failed') ? s : undefined;
  });
  expect(done.message).toBeNull();
  expect(done.phase).toBe('accounts');
  expect(
    (await b.listProviderAccounts(familyId, { connectionId: done.connectionId! })).length,
  ).toBeGreaterThan(0);
  const row = await b.db
    .selectFrom('connect_sessions')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  expect(row.answer).toBeNull();
  expect(row.challenge).toBeNull();
  expect(JSON.stringify(row)).not.toContain('asdfg12X');
});

it('a cancel posted to another process stops the driver', async () => {
  const driver = new ConnectSessions(a, options);
  const other = new ConnectSessions(b, options);
  const { id } = await startSophtronBank(driver);
  const s = await until('the captcha', async () => {
    const s = await other.get(id, owner());
    return s?.phase === 'challenge' ? s : undefined;
  });
  await other.cancel(s);
  const after = await other.get(id, owner());
  expect(after?.phase).toBe('failed');
  expect(after?.message).toBe('Cancelled.');
  // The driver stops: it shows no new challenge and the answer form of the old one is refused.
  expect(await other.answer(s, s.challengeSeq, { kind: 'captcha', text: 'ABCDE' })).toBe(false);
  await driver.closeAll();
  expect((await other.get(id, owner()))?.message).toBe('Cancelled.');
});

it('a task run by one process is followed from another, keeping its newest lines', async () => {
  const runner = new LiveTasks(a, { progressEveryMs: 5 });
  const reader = new LiveTasks(b, { pollMs: 10 });
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const lines = MAX_TASK_LINES + 5;
  const task = await runner.start(familyId, 'sync', async (emit: (e: TaskEvent) => void) => {
    for (let i = 1; i <= lines; i++) {
      emit({ type: 'progress', value: i, max: lines, label: `Account ${i}` });
      emit({ type: 'line', text: `Account ${i}: succeeded` });
    }
    await gate;
    return { type: 'done', ok: true, redirect: '/sync/history/run-1', message: 'succeeded' };
  });
  expect(
    await reader.get(task.id, (await b.createFamily({ name: 'G', timeZone: 'UTC' })).id),
  ).toBeUndefined();
  const running = await until('every line to be written', async () => {
    const t = await reader.get(task.id, familyId);
    return t?.lineSeq === lines ? t : undefined;
  });
  expect(running.done).toBeNull();
  const kept = await reader.lines(task.id, familyId, 0);
  expect(kept).toHaveLength(MAX_TASK_LINES);
  expect(kept.at(-1)).toEqual({ seq: lines, text: `Account ${lines}: succeeded` });
  expect(kept[0]!.seq).toBe(lines - MAX_TASK_LINES + 1);
  release();
  const ended = await until('the end', async () => (await reader.get(task.id, familyId))?.done);
  expect(ended).toEqual({ ok: true, redirect: '/sync/history/run-1', message: 'succeeded' });
  // The newest progress always lands, however the writes were spaced.
  expect((await reader.get(task.id, familyId))?.progress).toEqual({
    value: lines,
    max: lines,
    label: `Account ${lines}`,
  });
});

it('a reader in another process never sees a task ahead of its lines, nor more lines than are kept', async () => {
  const id = 'task-reader-race';
  await a.createTask(familyId, {
    id,
    kind: 'sync',
    startedAt: Date.now(),
    progress: { value: 0, max: 0, label: '' },
  });
  const lines = MAX_TASK_LINES + 60;
  let writing = true;
  const writer = (async () => {
    for (let i = 1; i <= lines; i++) await a.addTaskLine(familyId, id, `line ${i}`);
    writing = false;
  })();
  const seen: string[] = [];
  while (writing) {
    const seq = (await b.getTask(familyId, id))!.lineSeq;
    const kept = await b.listTaskLines(familyId, id, 0);
    const newest = kept.at(-1)?.seq ?? 0;
    // Lines read after the task may be newer than it, never older; and they are the newest run.
    if (newest < seq) seen.push(`task at ${seq}, newest line ${newest}`);
    if (kept.length > MAX_TASK_LINES) seen.push(`${kept.length} lines kept`);
    if (kept.length > 0 && newest - kept[0]!.seq + 1 !== kept.length) seen.push(`a gap below ${newest}`);
  }
  await writer;
  expect(seen).toEqual([]);
  expect(await b.listTaskLines(familyId, id, lines - 1)).toEqual([{ seq: lines, text: `line ${lines}` }]);
});

it('a connect or a task whose process died is shown as stopped, not as waiting forever', async () => {
  // The rows as a killed process leaves them: running, and silent for a minute.
  await a.createConnectSession(familyId, {
    id: 'orphan-connect',
    ownerSession: owner().session,
    institution,
    step: 'x',
    startedAt: Date.now(),
  });
  await a.setConnectChallenge(familyId, 'orphan-connect', { kind: 'token_input', label: 'Code' });
  await a.createTask(familyId, {
    id: 'orphan-task',
    kind: 'sync',
    startedAt: Date.now(),
    progress: { value: 1, max: 3, label: 'Account 1' },
  });
  const other = new ConnectSessions(b, options);
  const tasks = new LiveTasks(b);
  expect((await other.get('orphan-connect', owner()))?.phase).toBe('challenge');
  expect((await tasks.get('orphan-task', familyId))?.done).toBeNull();

  const aMinuteAgo = new Date(Date.now() - 60_000).toISOString();
  await a.db
    .updateTable('connect_sessions')
    .set({ updated_at: aMinuteAgo })
    .where('id', '=', 'orphan-connect')
    .execute();
  await a.db
    .updateTable('web_tasks')
    .set({ updated_at: aMinuteAgo })
    .where('id', '=', 'orphan-task')
    .execute();
  const connect = await other.get('orphan-connect', owner());
  expect(connect?.phase).toBe('failed');
  expect(connect?.challenge).toBeNull();
  expect(connect?.message).toMatch(/server connecting this bank stopped/);
  expect((await tasks.get('orphan-task', familyId))?.done).toEqual({
    ok: false,
    redirect: null,
    message: 'The server running this stopped before it ended.',
  });
});
