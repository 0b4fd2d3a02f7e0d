// Long because: the one table of every setting (variable, default, description, schema), kept whole on purpose: it is what `config show` prints and what the README's settings list follows.
/**
 * Every setting of the product in one place: its environment variable, default, description and
 * schema. `loadConfig` validates them all at start; a bad value stops the program with a message
 * naming the variable. Modules read settings only through the `Config` this returns.
 */
import { Cron } from 'croner';
import { z } from 'zod';
import { isTimeZone } from './dates.js';
import { parseBaseUrl } from './domain/base-url.js';
import { parseDatabaseUrl } from './database-url.js';
import { isValidAccessKey } from './domain/access-key.js';

type Setting<S extends z.ZodTypeAny> = {
  env: string;
  description: string;
  schema: S;
  /** Secrets are never printed (describeConfig shows "set" / "not set"). */
  secret?: boolean;
};

const setting = <S extends z.ZodTypeAny>(s: Setting<S>): Setting<S> => s;

const int = (min: number, max: number, dflt: number) =>
  z.coerce.number().int().min(min).max(max).default(dflt);
const optionalText = () =>
  z
    .string()
    .trim()
    .transform((v) => (v === '' ? undefined : v))
    .optional();
const bool = (dflt: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])
    .default(dflt ? 'true' : 'false')
    .transform((v) => ['true', '1', 'yes', 'on'].includes(v));

const isCron = (expr: string): boolean => {
  try {
    new Cron(expr, { paused: true });
    return true;
  } catch {
    return false;
  }
};

export const settings = {
  // --- server and storage ---
  dataDir: setting({
    env: 'DATA_DIR',
    description: 'Folder for the SQLite database, the generated secret key and exports.',
    schema: z.string().trim().min(1).default('./data'),
  }),
  databaseUrl: setting({
    env: 'DATABASE_URL',
    description:
      'Where the ledger lives: unset for the SQLite file in DATA_DIR, sqlite:<file>, or postgres://user:password@host:5432/database (PostgreSQL 13 or newer).',
    schema: optionalText().superRefine((url, ctx) => {
      try {
        parseDatabaseUrl(url);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message.replace(/^DATABASE_URL /, '') });
      }
    }),
    secret: true,
  }),
  databasePoolSize: setting({
    env: 'DATABASE_POOL_SIZE',
    description: 'Connections each process keeps to PostgreSQL (ignored with SQLite).',
    schema: int(1, 1000, 10),
  }),
  port: setting({
    env: 'PORT',
    description: 'HTTP port of the web application.',
    schema: int(0, 65535, 8080),
  }),
  host: setting({
    env: 'HOST',
    description:
      'Address the web application listens on (0.0.0.0 to accept other machines, e.g. in a container).',
    schema: z.string().trim().min(1).default('127.0.0.1'),
  }),
  publicUrl: setting({
    env: 'PUBLIC_URL',
    description: 'The address users reach the web application at; https here marks cookies Secure.',
    schema: optionalText().pipe(z.string().url().optional()),
  }),
  allowedHosts: setting({
    env: 'ALLOWED_HOSTS',
    description:
      "Other names the web application answers to, comma-separated (e.g. nas.home); a leading dot takes sub-domains too (.home.arpa). Besides these it answers only to localhost, the HOST address and PUBLIC_URL's host (421 otherwise, against DNS rebinding).",
    schema: z
      .string()
      .default('')
      .transform((v) =>
        v
          .split(',')
          .map((h) => h.trim().toLowerCase())
          .filter(Boolean),
      )
      .pipe(
        z.array(
          z
            .string()
            .regex(
              /^\.?[a-z0-9]([a-z0-9.-]*[a-z0-9])?$|^\[[0-9a-f:.]+\]$/,
              'must be host names without scheme or port',
            ),
        ),
      ),
  }),
  trustProxy: setting({
    env: 'TRUST_PROXY',
    description:
      'Behind a reverse proxy: "true" (one proxy) or how many proxies stand in front; the client address (login throttling, failed SimpleFIN authentications) is then read from X-Forwarded-For. Leave it off when clients connect directly: they could forge that header.',
    schema: z
      .string()
      .trim()
      .toLowerCase()
      .default('false')
      .refine(
        (v) => /^(true|false|yes|no|on|off|\d{1,2})$/.test(v),
        'must be true, false or a number of proxies',
      )
      .transform((v) =>
        ['true', 'yes', 'on'].includes(v) ? 1 : ['false', 'no', 'off'].includes(v) ? 0 : Number(v),
      ),
  }),
  logLevel: setting({
    env: 'LOG_LEVEL',
    description: 'Log level: fatal, error, warn, info, debug or trace.',
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  }),
  logFormat: setting({
    env: 'LOG_FORMAT',
    description:
      'Log lines of serve and worker: human (one readable line each) or json (for a log collector).',
    schema: z.enum(['human', 'json']).default('human'),
  }),
  timeZone: setting({
    env: 'TIME_ZONE',
    description: 'Default time zone of new families (an IANA name such as America/New_York).',
    schema: z
      .string()
      .trim()
      .default('UTC')
      .refine(isTimeZone, { message: 'must be an IANA time zone name such as America/New_York' }),
  }),
  secretKey: setting({
    env: 'SECRET_KEY',
    description:
      'Key that encrypts stored secrets (32 bytes as base64 or 64 hex characters). Without it and SECRET_KEY_FILE, one is generated into the data folder.',
    schema: optionalText(),
    secret: true,
  }),
  secretKeyFile: setting({
    env: 'SECRET_KEY_FILE',
    description: 'File holding the secret key (for Docker secrets).',
    schema: optionalText(),
  }),

  // --- Sophtron ---
  sophtronUserId: setting({
    env: 'SOPHTRON_USER_ID',
    description:
      'Sophtron User ID (Developer Profile → Direct Auth). With the Access Key, the CLI needs no web setup.',
    schema: optionalText(),
  }),
  sophtronAccessKey: setting({
    env: 'SOPHTRON_ACCESS_KEY',
    description: 'Sophtron Access Key (base64 text from the Sophtron dashboard).',
    schema: optionalText().refine((v) => v === undefined || isValidAccessKey(v), {
      message: 'must be the base64 text the Sophtron dashboard shows (Developer Profile → Direct Auth)',
    }),
    secret: true,
  }),
  sophtronBaseUrl: setting({
    env: 'SOPHTRON_BASE_URL',
    description: 'Sophtron API address; https only, except loopback hosts (the sandbox).',
    schema: z
      .string()
      .trim()
      .min(1)
      .default('https://api.sophtron.com/api')
      .superRefine((url, ctx) => {
        const parsed = parseBaseUrl(url);
        if ('problem' in parsed) ctx.addIssue({ code: 'custom', message: parsed.problem });
      }),
  }),
  sophtronTimeoutMs: setting({
    env: 'SOPHTRON_TIMEOUT_MS',
    description: 'Timeout of one Sophtron request, in milliseconds.',
    schema: int(100, 600_000, 30_000),
  }),
  sophtronRetryBudgetMs: setting({
    env: 'SOPHTRON_RETRY_BUDGET_MS',
    description:
      'Longest total time spent retrying one Sophtron read (429, 5xx, network errors), in milliseconds.',
    schema: int(0, 3_600_000, 120_000),
  }),
  sophtronJobTimeoutMs: setting({
    env: 'SOPHTRON_JOB_TIMEOUT_MS',
    description:
      'How long a connect or refresh job may run before it is reported as timed out, in milliseconds.',
    schema: int(1_000, 3_600_000, 600_000),
  }),
  sophtronJobPollMs: setting({
    env: 'SOPHTRON_JOB_POLL_MS',
    description:
      'First wait between polls of a connect or refresh job, in milliseconds; later waits grow to 8 times this (at most 8 s).',
    schema: int(1, 60_000, 1_000),
  }),
  sophtronWindowDays: setting({
    env: 'SOPHTRON_WINDOW_DAYS',
    description: 'Transactions are read in date windows of at most this many days.',
    schema: int(1, 3660, 90),
  }),
  sophtronHistoryDays: setting({
    env: 'SOPHTRON_HISTORY_DAYS',
    description:
      "How far back a bank's history reaches at Sophtron, in days: an earlier start (--from, an account's start date) reads from that day instead, and says so.",
    schema: int(1, 36_500, 730),
  }),
  sophtronMonthlyBudget: setting({
    env: 'SOPHTRON_MONTHLY_BUDGET',
    description:
      'Sophtron calls this instance may use per month, all families together (a family budget is a cap inside it).',
    schema: int(1, 10_000_000, 10_000),
  }),

  // --- sync ---
  syncStartDays: setting({
    env: 'SYNC_START_DAYS',
    description:
      'How far back the first sync of an account reads, in days (an account can set its own start date).',
    schema: int(1, 3660, 90),
  }),
  syncOverlapDays: setting({
    env: 'SYNC_OVERLAP_DAYS',
    description: 'Later syncs re-read this many days before the last successful sync, to catch late changes.',
    schema: int(0, 365, 10),
  }),
  pendingMatchDays: setting({
    env: 'PENDING_MATCH_DAYS',
    description:
      'A posted transaction replaces a pending one when their dates are at most this many days apart.',
    schema: int(0, 60, 7),
  }),
  pendingGraceDays: setting({
    env: 'PENDING_GRACE_DAYS',
    description:
      'A pending transaction that vanished without a posted match is marked vanished after this many days.',
    schema: int(0, 365, 5),
  }),

  // --- Firefly III ---
  fireflyUrl: setting({
    env: 'FIREFLY_III_URL',
    description: 'Address of your Firefly III (for example http://firefly.local:8080).',
    schema: optionalText().pipe(z.string().url().optional()),
  }),
  fireflyToken: setting({
    env: 'FIREFLY_III_ACCESS_TOKEN',
    description: 'Firefly III personal access token.',
    schema: optionalText(),
    secret: true,
  }),
  fireflyTimeoutMs: setting({
    env: 'FIREFLY_III_TIMEOUT_MS',
    description: 'Timeout of one Firefly III request, in milliseconds.',
    schema: int(100, 600_000, 30_000),
  }),
  fireflyRetryBudgetMs: setting({
    env: 'FIREFLY_III_RETRY_BUDGET_MS',
    description:
      'Longest time spent on one Firefly III request, retries included (429 with Retry-After, 5xx, no answer); a longer wait stops the run.',
    schema: int(0, 3_600_000, 120_000),
  }),
  fireflyConcurrency: setting({
    env: 'FIREFLY_III_CONCURRENCY',
    description: 'How many requests to Firefly III may run at once during a delivery.',
    schema: int(1, 32, 4),
  }),
  fireflyPending: setting({
    env: 'FIREFLY_III_PENDING',
    description:
      'Pending transactions in Firefly III: "skip" waits until they post; "tag" delivers them with the tag "pending" and updates them in place when they post. An import configuration\'s pending_transactions key wins.',
    schema: z.enum(['skip', 'tag']).default('skip'),
  }),
  autoImportSecret: setting({
    env: 'AUTO_IMPORT_SECRET',
    description:
      'Secret that guards POST /autoimport (at least 16 characters); unset turns the endpoint off.',
    schema: optionalText().pipe(z.string().min(16, 'must be at least 16 characters').optional()),
    secret: true,
  }),

  // --- schedules, notifications ---
  scheduleDefaultCron: setting({
    env: 'SCHEDULE_DEFAULT_CRON',
    description:
      "Sync schedule of a family that has not chosen one (cron, in the family's time zone); a quiet hour by default.",
    schema: z
      .string()
      .trim()
      .default('17 5 * * *')
      .refine(isCron, { message: 'must be a cron expression such as "17 5 * * *" (daily at 05:17)' }),
  }),
  scheduleMinGapMinutes: setting({
    env: 'SCHEDULE_MIN_GAP_MINUTES',
    description:
      'A scheduled sync never starts sooner than this many minutes after the last sync of the family (of any kind, e.g. at start-up).',
    schema: int(0, 10_080, 60),
  }),
  scheduleCallsPerAccount: setting({
    env: 'SCHEDULE_CALLS_PER_ACCOUNT',
    description:
      'Estimated Sophtron calls per account per sync, for budget projections until real runs give a measure.',
    schema: int(1, 1000, 8),
  }),
  scheduleRetryBaseMinutes: setting({
    env: 'SCHEDULE_RETRY_BASE_MINUTES',
    description:
      'First retry delay after a failed scheduled sync of a connection; it doubles on each failure.',
    schema: int(1, 1440, 15),
  }),
  scheduleRetryMaxMinutes: setting({
    env: 'SCHEDULE_RETRY_MAX_MINUTES',
    description: 'Longest retry delay after repeated failures, in minutes.',
    schema: int(1, 43_200, 1440),
  }),
  schedulerTickSeconds: setting({
    env: 'SCHEDULER_TICK_SECONDS',
    description: 'How often the scheduler looks for due syncs and retries, in seconds.',
    schema: int(1, 3600, 30),
  }),
  workerLeaseSeconds: setting({
    env: 'WORKER_LEASE_SECONDS',
    description:
      'PostgreSQL mode: how long a queued job (a family sync) stays with the worker that took it; a job whose worker died is taken by another after this (and the family lock it held has expired).',
    schema: int(5, 86_400, 600),
  }),
  workerRetryLimit: setting({
    env: 'WORKER_RETRY_LIMIT',
    description:
      'PostgreSQL mode: retries of a failing queued job (with growing delays) before it is recorded as failed in the sync history.',
    schema: int(0, 100, 5),
  }),
  workerRetryDelaySeconds: setting({
    env: 'WORKER_RETRY_DELAY_SECONDS',
    description:
      'PostgreSQL mode: the first retry delay of a failing queued job, in seconds; it doubles with each retry.',
    schema: int(1, 86_400, 30),
  }),
  workerPollSeconds: setting({
    env: 'WORKER_POLL_SECONDS',
    description: 'PostgreSQL mode: how often an idle worker asks the queue for jobs, in seconds.',
    schema: int(1, 600, 2),
  }),
  notifyAllowLinkLocal: setting({
    env: 'NOTIFY_ALLOW_LINK_LOCAL',
    description:
      'Let webhook, ntfy and e-mail notifications reach link-local and cloud metadata addresses (169.254.0.0/16, fe80::/10, fd00::/8); refused by default so a family cannot make the server call them.',
    schema: bool(false),
  }),

  // --- SimpleFIN (src/simplefin) ---
  simplefinRateLimit: setting({
    env: 'SIMPLEFIN_RATE_LIMIT',
    description:
      'SimpleFIN: requests an hour each Access URL may make (a warning is sent past 80%, then 429 until the hour ends).',
    schema: int(1, 1_000_000, 600),
  }),
  simplefinRefreshWaitSeconds: setting({
    env: 'SIMPLEFIN_REFRESH_WAIT_SECONDS',
    description:
      'SimpleFIN: how long a request that started a "refresh when older than" sync waits for it before answering from the ledger.',
    schema: int(0, 50, 20),
  }),

  // --- sandbox ---
  sandboxPollsPerStep: setting({
    env: 'SANDBOX_POLLS_PER_STEP',
    description: 'Sandbox: how many job polls each job step takes (a real bank takes minutes).',
    schema: int(1, 10_000, 2),
  }),
  sandboxJobStepMs: setting({
    env: 'SANDBOX_JOB_STEP_MS',
    description:
      'Sandbox: how long a job step takes at most, in milliseconds (whichever of this and SANDBOX_POLLS_PER_STEP comes first); 0 for polls only.',
    schema: int(0, 600_000, 1000),
  }),
  sandboxSeed: setting({
    env: 'SANDBOX_SEED',
    description: 'Sandbox: seed of the generated data.',
    schema: int(0, 2 ** 31 - 1, 42),
  }),
  sandboxIsoCurrency: setting({
    env: 'SANDBOX_ISO_CURRENCY',
    description: 'Sandbox: send ISO currency codes (USD) instead of the symbol ($) Sophtron documents.',
    schema: bool(false),
  }),
  sandboxPort: setting({
    env: 'SANDBOX_PORT',
    description: 'Sandbox: port of `sophtron-sync sandbox` (0 = any free port).',
    schema: int(0, 65535, 8090),
  }),
} as const;

type Settings = typeof settings;
export type Config = { [K in keyof Settings]: z.output<Settings[K]['schema']> };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Validates every setting. `overrides` (from command-line flags) win over the environment and are
 * named by their environment variable in errors too, so a message always points at one knob.
 */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  overrides: Partial<Record<keyof Settings, unknown>> = {},
): Config {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const row of inspectSettings(env, overrides)) {
    if (row.problem === undefined) out[row.key] = row.value;
    else
      problems.push(
        row.secret ? `${row.env}: ${row.problem}` : `${row.env}=${JSON.stringify(row.raw)}: ${row.problem}`,
      );
  }
  if (problems.length) throw new ConfigError(problems);
  return out as Config;
}

interface InspectedSetting {
  key: keyof Settings;
  env: string;
  secret: boolean;
  raw: unknown;
  /** The parsed value, when usable. */
  value?: unknown;
  /** Why the value is unusable. */
  problem?: string;
}

function inspectSettings(
  env: Record<string, string | undefined>,
  overrides: Partial<Record<keyof Settings, unknown>>,
): InspectedSetting[] {
  return (Object.entries(settings) as [keyof Settings, Setting<z.ZodTypeAny>][]).map(([key, s]) => {
    const raw = key in overrides && overrides[key] !== undefined ? overrides[key] : env[s.env];
    const parsed = s.schema.safeParse(raw === '' && !s.schema.isOptional() ? undefined : raw);
    const base = { key, env: s.env, secret: s.secret === true, raw };
    return parsed.success
      ? { ...base, value: parsed.data }
      : { ...base, problem: parsed.error.issues.map((i) => i.message).join('; ') };
  });
}

/**
 * `config show` on any environment, valid or not: every setting with its value (secrets masked)
 * or, for one that stops the program, what was given and why it is unusable.
 */
export function inspectConfig(
  env: Record<string, string | undefined> = process.env,
): { env: string; value: string; description: string; problem?: string }[] {
  return inspectSettings(env, {}).map((row) => {
    const description = settings[row.key].description;
    const shown = (v: unknown) =>
      row.secret ? (v ? '(set)' : '(not set)') : v === undefined ? '(not set)' : String(v);
    if (row.problem === undefined) return { env: row.env, value: shown(row.value), description };
    const given = row.secret ? '(set)' : JSON.stringify(row.raw);
    return { env: row.env, value: `${given} — unusable: ${row.problem}`, description, problem: row.problem };
  });
}

/** Lines for `sophtron-sync config show` and the README: every setting, secrets masked. */
export function describeConfig(config?: Config): { env: string; description: string; value: string }[] {
  return (Object.entries(settings) as [keyof Settings, Setting<z.ZodTypeAny>][]).map(([key, s]) => {
    const v = config?.[key];
    const value = s.secret ? (v ? '(set)' : '(not set)') : v === undefined ? '(not set)' : String(v);
    return { env: s.env, description: s.description, value };
  });
}
