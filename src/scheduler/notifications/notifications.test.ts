import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bindRepositories, openStore, type Store } from '../../store/index.js';
import { createSecretBox } from '../../store/secret-box.js';
import { seedFamily } from '../../../test/fakes/ledger-seed.js';
import { until } from '../../../test/helpers/until.js';
import { channelsRepository, ChannelError } from './channels.js';
import { createNotifier } from './notifier.js';
import { headerText } from './send.js';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let dir: string;
let opened: Store;
let familyId: string;
let http: Server;
let httpBase: string;
let received: Received[];
let smtp: SMTPServer;
let smtpPort: number;
let mails: { from: string; to: string[]; data: string; user?: string; pass?: string }[];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'notify-'));
  opened = await openStore({
    dataDir: dir,
    filename: join(dir, 'db.sqlite'),
    secretKey: randomBytes(32).toString('base64'),
  });
  familyId = await seedFamily(opened.db, 'Smith household');
  received = [];
  http = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body });
      res.statusCode = req.url?.startsWith('/broken') ? 500 : 200;
      res.end('{}');
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  httpBase = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;

  mails = [];
  smtp = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    onAuth(auth, _session, cb) {
      if (auth.username === 'mailer' && auth.password === 'smtp-pw-123') cb(null, { user: auth.username });
      else cb(new Error('bad login'));
    },
    onData(stream, session, cb) {
      let data = '';
      stream.on('data', (c: Buffer) => (data += c.toString('utf8')));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          data,
        });
        cb();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
  smtpPort = (smtp.server.address() as AddressInfo).port;
});

afterEach(async () => {
  await new Promise<void>((r) => http.close(() => r()));
  await new Promise<void>((r) => smtp.close(() => r()));
  await opened.close();
  rmSync(dir, { recursive: true, force: true });
});

async function addAll(onSuccess = false) {
  const repo = channelsRepository(opened);
  await repo.addChannel(familyId, {
    name: 'hook',
    onSuccess,
    config: {
      kind: 'webhook',
      url: `${httpBase}/hook?token=s3cr3t-url`,
      headers: { 'X-Auth': 'hdr-secret-456' },
    },
  });
  await repo.addChannel(familyId, {
    name: 'phone',
    config: { kind: 'ntfy', url: `${httpBase}/ntfy/sophtron-topic`, token: 'tk_ntfy_789' },
  });
  await repo.addChannel(familyId, {
    name: 'mail',
    config: {
      kind: 'email',
      host: '127.0.0.1',
      port: smtpPort,
      security: 'none',
      user: 'mailer',
      password: 'smtp-pw-123',
      from: 'sync@example.test',
      to: ['me@example.test'],
    },
  });
  return repo;
}

describe('notifications', () => {
  it('sends one message per incident on every channel, then one recovery message', async () => {
    await addAll();
    const notifier = createNotifier({ store: opened });
    const fail = { ok: false as const, kind: 'failure' as const, message: 'Sophtron answered HTTP 503' };

    const first = await notifier.outcome(familyId, 'sync', 'Scheduled sync', fail);
    expect(first.event).toBe('failure');
    expect(first.results.every((r) => r.ok)).toBe(true);
    for (let i = 0; i < 3; i++) {
      const again = await notifier.outcome(familyId, 'sync', 'Scheduled sync', fail);
      expect(again.event).toBeNull();
    }
    const back = await notifier.outcome(familyId, 'sync', 'Scheduled sync', { ok: true });
    expect(back.event).toBe('recovery');
    const quiet = await notifier.outcome(familyId, 'sync', 'Scheduled sync', { ok: true });
    expect(quiet.event).toBeNull();
    await until('two mails', () => mails.length >= 2);

    const hooks = received.filter((r) => r.path.startsWith('/hook'));
    expect(hooks).toHaveLength(2);
    expect(hooks[0]!.headers['x-auth']).toBe('hdr-secret-456');
    expect(JSON.parse(hooks[0]!.body)).toMatchObject({
      event: 'failure',
      title: 'Scheduled sync failed',
      family: { id: familyId, name: 'Smith household' },
      subject: 'sync',
    });
    expect(JSON.parse(hooks[1]!.body).event).toBe('recovery');
    expect(JSON.parse(hooks[1]!.body).message).toMatch(/after 4 failed attempts/);

    const ntfy = received.filter((r) => r.path === '/ntfy/sophtron-topic');
    expect(ntfy).toHaveLength(2);
    expect(ntfy[0]!.headers).toMatchObject({
      title: 'Scheduled sync failed',
      priority: '4',
      tags: 'warning,sophtron-sync',
      authorization: 'Bearer tk_ntfy_789',
    });
    expect(ntfy[0]!.body).toContain('Sophtron answered HTTP 503');
    expect(ntfy[1]!.headers.tags).toBe('white_check_mark,sophtron-sync');

    expect(mails).toHaveLength(2);
    expect(mails[0]!.to).toEqual(['me@example.test']);
    expect(mails[0]!.data).toMatch(/Subject: Scheduled sync failed/);
    expect(mails[1]!.data).toMatch(/Subject: Scheduled sync works again/);
    for (const m of [...received.map((r) => r.body), ...mails.map((m) => m.data)]) {
      expect(m).not.toMatch(/smtp-pw-123|hdr-secret-456|tk_ntfy_789|s3cr3t-url/);
    }
  });

  it('reports needs attention once, and a change of kind as a new incident', async () => {
    await addAll();
    const notifier = createNotifier({ store: opened });
    const mfa = {
      ok: false as const,
      kind: 'needs_attention' as const,
      message: 'Test Bank asks for a security code',
    };
    expect((await notifier.outcome(familyId, 'connection:1', 'Test Bank', mfa)).event).toBe(
      'needs_attention',
    );
    expect((await notifier.outcome(familyId, 'connection:1', 'Test Bank', mfa)).event).toBeNull();
    const fail = { ok: false as const, kind: 'failure' as const, message: 'timeout' };
    expect((await notifier.outcome(familyId, 'connection:1', 'Test Bank', fail)).event).toBe('failure');
    const ntfy = received.filter((r) => r.path.startsWith('/ntfy'));
    expect(ntfy.map((r) => r.headers.title)).toEqual(['Test Bank needs your attention', 'Test Bank failed']);
  });

  it('sends success messages only to channels that asked, and a test message to all', async () => {
    await addAll(true);
    const notifier = createNotifier({ store: opened });
    const ok = await notifier.success(familyId, 'sync', 'Sync done', '12 new transactions');
    expect(ok.map((r) => r.name)).toEqual(['hook']);
    const test = await notifier.test(familyId);
    expect(test.map((r) => [r.name, r.ok])).toEqual([
      ['hook', true],
      ['phone', true],
      ['mail', true],
    ]);
    await until('the mail', () => mails.length >= 1);
    expect(mails[0]!.data).toMatch(/Subject: Sophtron Sync test message/);
  });

  it('keeps going when a channel fails, and names only its host', async () => {
    const repo = channelsRepository(opened);
    await repo.addChannel(familyId, {
      name: 'broken',
      config: { kind: 'webhook', url: `${httpBase}/broken/s3cr3t-path` },
    });
    await repo.addChannel(familyId, {
      name: 'down',
      config: { kind: 'ntfy', url: 'http://127.0.0.1:1/topic-secret' },
    });
    await repo.addChannel(familyId, { name: 'ok', config: { kind: 'ntfy', url: `${httpBase}/ntfy/t` } });
    // sealed with another key (the secret key was replaced): reported, the others still go out
    await channelsRepository(bindRepositories(opened.db, createSecretBox(randomBytes(32)))).addChannel(
      familyId,
      {
        name: 'old key',
        config: { kind: 'ntfy', url: `${httpBase}/ntfy/old` },
      },
    );
    const results = await createNotifier({ store: opened }).test(familyId);
    expect(results.map((r) => [r.name, r.ok])).toEqual([
      ['broken', false],
      ['down', false],
      ['ok', true],
      ['old key', false],
    ]);
    expect(results[3]!.error).toBe('its settings cannot be read; add it again');
    expect(results[0]!.error).toBe(`${new URL(httpBase).host} answered HTTP 500`);
    expect(results[1]!.error).toMatch(/^could not reach 127\.0\.0\.1:1 /);
    expect(results.map((r) => r.error ?? '').join()).not.toMatch(/secret/);
  });

  it('seals secrets at rest and validates input naming the field', async () => {
    const repo = await addAll();
    const rows = await opened.db.selectFrom('notification_channels').selectAll().execute();
    const dump = JSON.stringify(rows);
    expect(dump).not.toMatch(/smtp-pw-123|hdr-secret-456|tk_ntfy_789|s3cr3t-url|sophtron-topic/);
    expect((await repo.listChannels(familyId)).map((c) => c.target)).toEqual([
      new URL(httpBase).host,
      new URL(httpBase).host,
      `me@example.test via 127.0.0.1:${smtpPort}`,
    ]);
    await expect(
      repo.addChannel(familyId, { name: 'x', config: { kind: 'webhook', url: 'ftp://x' } }),
    ).rejects.toThrow(/^url: must be an http\(s\) URL/);
    await expect(
      repo.addChannel(familyId, { name: 'x', config: { kind: 'email', host: 'h', from: 'a@b.c', to: [] } }),
    ).rejects.toBeInstanceOf(ChannelError);
  });

  it('sends a non-ASCII ntfy title as an RFC 2047 encoded word', async () => {
    expect(headerText('Plain title')).toBe('Plain title');
    expect(headerText('Société Générale failed')).toBe(
      `=?UTF-8?B?${Buffer.from('Société Générale failed').toString('base64')}?=`,
    );
    await channelsRepository(opened).addChannel(familyId, {
      name: 'n',
      config: { kind: 'ntfy', url: `${httpBase}/ntfy/t` },
    });
    const r = await createNotifier({ store: opened }).outcome(familyId, 'connection:x', 'Société Générale', {
      ok: false,
      kind: 'failure',
      message: 'timeout',
    });
    expect(r.results[0]!.ok).toBe(true);
    const title = received[0]!.headers.title as string;
    expect(Buffer.from(/^=\?UTF-8\?B\?(.*)\?=$/.exec(title)![1]!, 'base64').toString('utf8')).toBe(
      'Société Générale failed',
    );
  });

  it('refuses link-local and metadata targets (SSRF) unless NOTIFY_ALLOW_LINK_LOCAL, keeps loopback', async () => {
    const repo = channelsRepository(opened);
    for (const url of [
      'http://169.254.169.254/latest/meta-data/',
      'http://[fd00:ec2::254]/latest',
      'http://[fe80::1]/',
      'http://[::ffff:169.254.169.254]/',
    ]) {
      await expect(
        repo.addChannel(familyId, { name: 'x', config: { kind: 'webhook', url } }),
      ).rejects.toThrow(
        /^url: .* is a link-local or metadata address \(allow with NOTIFY_ALLOW_LINK_LOCAL=true\)$/,
      );
    }
    await expect(
      repo.addChannel(familyId, { name: 'x', config: { kind: 'ntfy', url: 'http://169.254.169.254/t' } }),
    ).rejects.toBeInstanceOf(ChannelError);
    await expect(
      repo.addChannel(familyId, {
        name: 'x',
        config: { kind: 'email', host: '169.254.169.254', from: 'a@b.test', to: ['c@d.test'] },
      }),
    ).rejects.toThrow(/^host: 169\.254\.169\.254 is a link-local or metadata address/);
    const allowed = channelsRepository(opened, { allowLinkLocal: true });
    await expect(
      allowed.addChannel(familyId, {
        name: 'meta',
        config: { kind: 'webhook', url: 'http://169.254.169.254/' },
      }),
    ).resolves.toMatchObject({ target: '169.254.169.254' });
    await allowed.removeChannel(familyId, (await allowed.listChannels(familyId))[0]!.id);

    // a name that resolves to a metadata address is refused when sending, before any request
    await repo.addChannel(familyId, {
      name: 'sneaky',
      config: { kind: 'webhook', url: 'http://metadata.example.test/hook' },
    });
    await repo.addChannel(familyId, { name: 'local', config: { kind: 'webhook', url: `${httpBase}/ok` } });
    await repo.addChannel(familyId, {
      name: 'mail',
      config: { kind: 'email', host: 'smtp.example.test', from: 'a@b.test', to: ['c@d.test'] },
    });
    const lookup = async (host: string) =>
      host === 'metadata.example.test'
        ? [{ address: '169.254.169.254' }]
        : host === 'smtp.example.test'
          ? [{ address: '10.0.0.5' }, { address: 'fe80::1' }]
          : [{ address: '127.0.0.1' }];
    const results = await createNotifier({ store: opened, lookup }).test(familyId);
    expect(results.map((r) => [r.name, r.ok, r.error])).toEqual([
      [
        'sneaky',
        false,
        'refused to call metadata.example.test: 169.254.169.254 is a link-local or metadata address (allow with NOTIFY_ALLOW_LINK_LOCAL=true)',
      ],
      ['local', true, undefined],
      [
        'mail',
        false,
        'refused to call smtp.example.test: fe80::1 is a link-local or metadata address (allow with NOTIFY_ALLOW_LINK_LOCAL=true)',
      ],
    ]);
    expect(received.map((r) => r.path)).toEqual(['/ok']);
  });
});
