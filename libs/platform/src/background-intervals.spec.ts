import { ConfigError, PROJECTION_INTERVAL_DEFAULT_MS, projectionSettings } from './config';
import { LEDGER_SEAL_INTERVAL_DEFAULT_MS, loadLedgerConfig } from './ledger/ledger-config';

describe('least intervals of the background followers (projections, ledger sealer)', () => {
  it('default to a few tens of milliseconds, and 0 turns them off', () => {
    expect(projectionSettings({}).minIntervalMs).toBe(PROJECTION_INTERVAL_DEFAULT_MS);
    expect(loadLedgerConfig({}).sealIntervalMs).toBe(LEDGER_SEAL_INTERVAL_DEFAULT_MS);
    expect(projectionSettings({ PROJECTION_INTERVAL_MS: '0' }).minIntervalMs).toBe(0);
    expect(loadLedgerConfig({ LEDGER_SEAL_INTERVAL_MS: '250' }).sealIntervalMs).toBe(250);
  });

  it('refuses a negative or absurd value, naming the setting', () => {
    expect(() => projectionSettings({ PROJECTION_INTERVAL_MS: '-1' })).toThrow(ConfigError);
    expect(() => projectionSettings({ PROJECTION_INTERVAL_MS: '60000' })).toThrow(/PROJECTION_INTERVAL_MS/);
    expect(() => loadLedgerConfig({ LEDGER_SEAL_INTERVAL_MS: 'soon' })).toThrow(/LEDGER_SEAL_INTERVAL_MS/);
  });
});
