import { ConfigError } from '../config';
import { loadSecurityConfig } from './security.config';

describe('loadSecurityConfig', () => {
  it('defaults: rate limits sized for a small back office, CORS closed, no proxy trusted, five years of retention, short timeouts', () => {
    expect(loadSecurityConfig({})).toEqual({
      rateLimitPerMinuteUser: 600,
      rateLimitPerMinuteIp: 1200,
      corsOrigins: [],
      trustProxy: false,
      retentionYears: 5,
      pseudonymKey: undefined,
      headersTimeoutMs: 10_000,
      bodyTimeoutMs: 30_000,
      jsonMaxDepth: 32,
    });
  });

  it('reads every setting', () => {
    const config = loadSecurityConfig({
      RATE_LIMIT_PER_MINUTE_USER: '0',
      RATE_LIMIT_PER_MINUTE_IP: '300',
      CORS_ORIGINS: 'https://backoffice.example.org, http://localhost:5173',
      TRUST_PROXY: 'loopback, 10.0.0.0/8',
      RETENTION_YEARS: '10',
      PSEUDONYM_KEY: 'ab'.repeat(32),
      HTTP_HEADERS_TIMEOUT_MS: '5000',
      HTTP_BODY_TIMEOUT_MS: '60000',
      HTTP_JSON_MAX_DEPTH: '16',
    });
    expect(config).toMatchObject({ headersTimeoutMs: 5000, bodyTimeoutMs: 60000, jsonMaxDepth: 16, rateLimitPerMinuteUser: 0, rateLimitPerMinuteIp: 300, corsOrigins: ['https://backoffice.example.org', 'http://localhost:5173'], trustProxy: 'loopback,10.0.0.0/8', retentionYears: 10 });
    expect(config.pseudonymKey).toHaveLength(32);
    expect(loadSecurityConfig({ CORS_ORIGINS: '*', TRUST_PROXY: '2' })).toMatchObject({ corsOrigins: ['*'], trustProxy: 2 });
  });

  const bad: Array<[string, string, RegExp]> = [
    ['RATE_LIMIT_PER_MINUTE_USER', 'lots', /RATE_LIMIT_PER_MINUTE_USER must be an integer/],
    ['RATE_LIMIT_PER_MINUTE_IP', '-5', /RATE_LIMIT_PER_MINUTE_IP must be an integer/],
    ['CORS_ORIGINS', 'backoffice.example.org', /CORS_ORIGINS: "backoffice.example.org" is not an origin/],
    ['CORS_ORIGINS', 'https://backoffice.example.org/', /CORS_ORIGINS: "https:\/\/backoffice.example.org\/" is not an origin/],
    ['CORS_ORIGINS', '*, https://a.example.org', /CORS_ORIGINS: "\*" cannot be combined/],
    ['TRUST_PROXY', 'everyone', /TRUST_PROXY must be/],
    ['RETENTION_YEARS', '1.5', /RETENTION_YEARS must be an integer/],
    ['PSEUDONYM_KEY', 'short', /PSEUDONYM_KEY must hold at least 32 bytes/],
    ['HTTP_HEADERS_TIMEOUT_MS', '0', /HTTP_HEADERS_TIMEOUT_MS must be an integer between 1000/],
    ['HTTP_HEADERS_TIMEOUT_MS', '40000', /must not exceed HTTP_BODY_TIMEOUT_MS/],
    ['HTTP_BODY_TIMEOUT_MS', 'forever', /HTTP_BODY_TIMEOUT_MS must be an integer/],
    ['HTTP_JSON_MAX_DEPTH', '1000', /HTTP_JSON_MAX_DEPTH must be an integer between 4 and 256/],
  ];
  it.each(bad)('stops with a ConfigError naming %s for %p', (name, value, message) => {
    expect(() => loadSecurityConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadSecurityConfig({ [name]: value })).toThrow(message);
  });
});
