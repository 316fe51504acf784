import { ConfigError } from '../config';
import { loadSecurityConfig } from './security.config';

describe('loadSecurityConfig', () => {
  it('defaults: generous rate limits, CORS closed, no proxy trusted, five years of retention', () => {
    expect(loadSecurityConfig({})).toEqual({
      rateLimitPerMinuteUser: 30000,
      rateLimitPerMinuteIp: 60000,
      corsOrigins: [],
      trustProxy: false,
      retentionYears: 5,
      pseudonymKey: undefined,
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
    });
    expect(config).toMatchObject({ rateLimitPerMinuteUser: 0, rateLimitPerMinuteIp: 300, corsOrigins: ['https://backoffice.example.org', 'http://localhost:5173'], trustProxy: 'loopback,10.0.0.0/8', retentionYears: 10 });
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
  ];
  it.each(bad)('stops with a ConfigError naming %s for %p', (name, value, message) => {
    expect(() => loadSecurityConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadSecurityConfig({ [name]: value })).toThrow(message);
  });
});
