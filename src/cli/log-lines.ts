/**
 * CLI logs for people: each pino record becomes one line on stderr, "warn: <message>", with its
 * other fields as key=value when asked for (JSON logs suit `serve` and `worker`, not a terminal). The logger's
 * redaction has already run, so no secret reaches this point.
 */
import type { Writable } from 'node:stream';

const LEVELS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};
const SKIP = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

/** A serialised error shows its message, not its stack. */
function errorMessage(v: unknown): string | null {
  return v !== null && typeof v === 'object' && typeof (v as { message?: unknown }).message === 'string'
    ? (v as { message: string }).message
    : null;
}

export function formatLogLine(json: string, details = true): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.trimEnd();
  }
  const level = LEVELS[Number(rec.level)] ?? String(rec.level);
  const fields = Object.entries(rec)
    .filter(([k]) => !SKIP.has(k) && (details || !rec.msg))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : (errorMessage(v) ?? JSON.stringify(v))}`);
  const msg = typeof rec.msg === 'string' ? rec.msg : '';
  return `${level}: ${[msg, ...fields].filter(Boolean).join(' ')}`;
}

/**
 * A pino destination writing human lines to `out` (default stderr); without `details` a record
 * with a message shows only the message.
 */
export function logLines(out: Writable = process.stderr, details = true): { write(chunk: string): void } {
  return {
    write(chunk: string) {
      for (const line of chunk.split('\n')) if (line.trim()) out.write(`${formatLogLine(line, details)}\n`);
    },
  };
}
