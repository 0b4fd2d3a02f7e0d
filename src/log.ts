/**
 * The one logger. Secrets are redacted by key name wherever they sit in a logged object, so a
 * careless `log.info({ request })` cannot leak an Access Key, token, password or session.
 */
import { pino, type Logger } from 'pino';

export const REDACTED_KEYS = [
  'accessKey',
  'access_key',
  'AccessKey',
  'password',
  'Password',
  'PIN',
  'pin',
  'token',
  'accessToken',
  'access_token',
  'authorization',
  'Authorization',
  'cookie',
  'Cookie',
  'secret',
  'secretKey',
  'sessionId',
  'SecurityAnswer',
  'TokenInput',
  'CaptchaInput',
  // SimpleFIN: an Access URL carries its credentials, a setup token and a claim URL a one-time code.
  'accessUrl',
  'setupToken',
  'claimUrl',
];

const paths = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `headers.${k.toLowerCase()}`]);

export function createLogger(
  level: string = process.env.LOG_LEVEL ?? 'info',
  destination?: pino.DestinationStream,
): Logger {
  return pino({ level, redact: { paths, censor: '[redacted]' }, base: undefined }, destination);
}

export type { Logger };
