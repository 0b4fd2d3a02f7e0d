/**
 * Everything `sophtron-sync serve` starts: the store, the built-in sandbox when no Sophtron
 * credentials are in the environment, the web app and its HTTP server; and a stop() for shutdown.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { openStore, type Store } from '../store/index.js';
import { startSchedulerFor } from '../scheduler/index.js';
import { generateSetupCode } from './auth/setup-code.js';
import { ConnectSessions } from './connect/sessions.js';
import type { SandboxInfo } from './context.js';
import { createWebApp, startWebServer } from './server.js';
import { createWebServices } from './wiring.js';

/** The sandbox's bank logins, in the data folder. */
export const SANDBOX_STATE_FILE = 'sandbox-state.json';

export async function startSandboxFor(
  config: Config,
): Promise<{ info: SandboxInfo; close(): Promise<void> }> {
  // Loaded only when needed: an install with real credentials never starts it.
  const { startSandbox } = await import('../sandbox/index.js');
  const sandbox = await startSandbox({
    port: 0,
    seed: config.sandboxSeed,
    pollsPerStep: config.sandboxPollsPerStep,
    jobStepMs: config.sandboxJobStepMs,
    controlApi: false,
    isoCurrency: config.sandboxIsoCurrency,
    // Bank logins live in the data folder, so linked accounts keep syncing after a restart; the
    // fresh salt still keeps a new login from ever getting an id an older one had.
    idSalt: randomUUID(),
    stateFile: join(config.dataDir, SANDBOX_STATE_FILE),
  });
  const user = sandbox.users[0];
  if (!user) throw new Error('the sandbox started without a user');
  return {
    info: { baseUrl: sandbox.baseUrl, userId: user.userId, accessKey: user.accessKey },
    close: () => sandbox.close(),
  };
}

export interface StartedApp {
  url: string;
  port: number;
  store: Store;
  sandbox: SandboxInfo | null;
  /** Set on first run (no user yet): the code the first user must type. */
  setupCode: string | null;
  stop(): Promise<void>;
}

export async function startApp(
  config: Config,
  opts: {
    logger: Logger;
    store?: Store;
    sandbox?: SandboxInfo | null;
    setupCode?: string;
    scheduler?: boolean;
  },
): Promise<StartedApp> {
  const store = opts.store ?? (await openStore(config));
  const closers: (() => Promise<void>)[] = [];
  let sandbox: SandboxInfo | null = opts.sandbox ?? null;
  if (opts.sandbox === undefined && !(config.sophtronUserId && config.sophtronAccessKey)) {
    const started = await startSandboxFor(config);
    sandbox = started.info;
    closers.push(started.close);
  }
  const setupCode = opts.setupCode ?? generateSetupCode();
  const firstRun = (await store.countUsers()) === 0;
  const connects = new ConnectSessions(store, {
    jobTimeoutMs: config.sophtronJobTimeoutMs,
    pollIntervalMs: config.sophtronJobPollMs,
    maxPollIntervalMs: 3_000,
  });
  const app = createWebApp({
    connects,
    sandboxRunning: sandbox !== null,
    store,
    config,
    logger: opts.logger,
    setupCode,
    services: createWebServices(store, config, sandbox, opts.logger),
  });
  const server = await startWebServer(app, { port: config.port, host: config.host });
  // Automatic syncs and deliveries run in the same process (a separate `worker` is optional).
  const scheduler =
    opts.scheduler === false
      ? null
      : startSchedulerFor(store, config, {
          logger: opts.logger,
          sandbox,
        });
  return {
    url: server.url,
    port: server.port,
    store,
    sandbox,
    setupCode: firstRun ? setupCode : null,
    async stop() {
      await connects.closeAll();
      await server.close();
      await scheduler?.stop();
      for (const close of closers.reverse()) await close().catch(() => undefined);
      if (!opts.store) await store.close();
    },
  };
}
