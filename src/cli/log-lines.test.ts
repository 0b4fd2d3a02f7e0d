import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../log.js';
import { formatLogLine, logLines } from './log-lines.js';

describe('CLI log lines', () => {
  it('turn pino records into "level: message key=value", errors by message, secrets still redacted', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    const log = createLogger('warn', logLines(out));
    log.info('not shown at warn');
    log.warn({ endpoint: 'Job/GetJobInformationByID', attempt: 2 }, 'retrying in 1.5 s');
    log.error({ err: new Error('boom'), accessKey: 'c2VjcmV0' }, 'failed');
    await new Promise((r) => setImmediate(r));
    expect(text.split('\n').filter(Boolean)).toEqual([
      'warn: retrying in 1.5 s endpoint=Job/GetJobInformationByID attempt=2',
      'error: failed err=boom accessKey=[redacted]',
    ]);
  });

  it('without details, a message stands alone; a line that is not JSON passes through', () => {
    expect(formatLogLine('{"level":40,"time":1,"msg":"retrying","attempt":2}', false)).toBe('warn: retrying');
    expect(formatLogLine('plain text\n')).toBe('plain text');
  });
});
