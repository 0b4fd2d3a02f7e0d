import { describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('gives the embedded defaults on an empty environment', () => {
    const c = loadConfig({});
    expect(c.dataDir).toBe('./data');
    expect(c.port).toBe(8080);
    expect(c.sophtronBaseUrl).toBe('https://api.sophtron.com/api');
    expect(c.sophtronAccessKey).toBeUndefined();
  });

  it('names every bad variable in one error', () => {
    try {
      loadConfig({ PORT: 'eighty', TIME_ZONE: 'Mars/Olympus', AUTO_IMPORT_SECRET: 'short' });
      expect.fail('should throw');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const msg = (e as ConfigError).message;
      expect(msg).toContain('PORT="eighty"');
      expect(msg).toContain('TIME_ZONE');
      expect(msg).toContain('AUTO_IMPORT_SECRET: must be at least 16 characters');
      // A secret's value is never echoed back.
      expect(msg).not.toContain('short');
    }
  });

  it('checks SOPHTRON_BASE_URL at start: https (or loopback http), a web address', () => {
    expect(() => loadConfig({ SOPHTRON_BASE_URL: 'http://example.com/api' })).toThrow(
      'SOPHTRON_BASE_URL="http://example.com/api": must use https://',
    );
    expect(() => loadConfig({ SOPHTRON_BASE_URL: 'api.sophtron.com' })).toThrow(
      /SOPHTRON_BASE_URL="api.sophtron.com": is not a web address/,
    );
    // The forms people paste stay accepted (the client normalises them).
    for (const ok of [
      'https://api.sophtron.com/api/v2/',
      'https://api.sophtron.com',
      'http://127.0.0.1:8090',
    ])
      expect(loadConfig({ SOPHTRON_BASE_URL: ok }).sophtronBaseUrl).toBe(ok);
  });

  it('lets command-line overrides win over the environment', () => {
    expect(loadConfig({ PORT: '9000' }, { port: '9100' }).port).toBe(9100);
  });

  it('masks secrets when describing settings', () => {
    const rows = describeConfig(loadConfig({ SOPHTRON_ACCESS_KEY: 'c2VjcmV0', SOPHTRON_USER_ID: 'u1' }));
    const key = rows.find((r) => r.env === 'SOPHTRON_ACCESS_KEY');
    expect(key?.value).toBe('(set)');
    expect(JSON.stringify(rows)).not.toContain('c2VjcmV0');
    expect(rows.find((r) => r.env === 'SOPHTRON_USER_ID')?.value).toBe('u1');
  });

  it('treats booleans strictly', () => {
    expect(loadConfig({ SANDBOX_ISO_CURRENCY: 'yes' }).sandboxIsoCurrency).toBe(true);
    expect(() => loadConfig({ SANDBOX_ISO_CURRENCY: 'maybe' })).toThrow(/SANDBOX_ISO_CURRENCY/);
  });
});
