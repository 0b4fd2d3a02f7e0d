/** The Hono environment shared by every route module of the web application. */
import type { Context, Hono } from 'hono';
import type { SandboxCredentials } from '../app/sophtron-credentials.js';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/index.js';
import type { Session } from './auth/sessions.js';
import type { WebServices } from './services.js';
import type { ConnectSessions } from './connect/sessions.js';
import type { LiveTasks } from './tasks.js';

/** The built-in sandbox this process runs when no Sophtron credentials are set. */
export type SandboxInfo = SandboxCredentials;

export interface WebDeps {
  /** The ledger store (repositories scoped by family). */
  store: Store;
  config: Config;
  logger: Logger;
  /** The code that must be typed to create the first user (printed on the console). */
  setupCode: string;
  services: WebServices;
  /** The built-in sandbox runs in this process (the banner shows before login too). */
  sandboxRunning?: boolean;
  /** Live connect sessions (tests pass one with fast polling). */
  connects?: ConnectSessions;
  /** Background tasks with live progress (sync, import). */
  tasks?: LiveTasks;
  /** The clock of login throttling (tests let time pass); Date.now by default. */
  now?: () => number;
  /** The SimpleFIN router mounted at /simplefin (default: built from the deps above). */
  simplefin?: Hono;
}

export interface WebEnv {
  Variables: {
    deps: WebDeps;
    session: Session | null;
    /** Secure cookies (https public URL or X-Forwarded-Proto https). */
    secure: boolean;
    /** The CSRF token forms of this response must carry (session's, or the pre-session cookie's). */
    csrf: string;
    /** Whether this request uses the built-in sandbox (shows the banner). */
    sandboxMode: boolean;
    /** Set by token authentication on /api. */
    apiUser: Session['user'] | null;
  };
}

export type WebApp = Hono<WebEnv>;
export type Ctx = Context<WebEnv>;

/** The logged-in user; routes behind requireLogin may rely on it. */
export function currentUser(c: Ctx): Session['user'] {
  // A bearer token names its user explicitly: it wins over a cookie sent along.
  const user = c.var.apiUser ?? c.var.session?.user;
  if (!user) throw new Error('currentUser outside an authenticated route');
  return user;
}
