import { ConfigError, eventStoreSettings, groupCommitOptions, loadConfig } from './config';

describe('event store settings (group commit)', () => {
  it('defaults to group commit on, 64 events, no wait, one group at a time', () => {
    const settings = eventStoreSettings({});
    expect(settings).toEqual({ groupCommit: true, groupMaxEvents: 64, groupWaitMs: 0, groupConcurrency: 1 });
    expect(groupCommitOptions(settings)).toEqual({ maxEvents: 64, maxWaitMs: 0, concurrency: 1 });
    expect(loadConfig({ DATA_DIR: '/tmp/unused' }).eventStore).toEqual(settings);
  });

  it('reads each setting and turns group commit off', () => {
    const settings = eventStoreSettings({ EVENT_STORE_GROUP_MAX: '64', EVENT_STORE_GROUP_WAIT_MS: '2', EVENT_STORE_GROUP_CONCURRENCY: '4' });
    expect(groupCommitOptions(settings)).toEqual({ maxEvents: 64, maxWaitMs: 2, concurrency: 4 });
    expect(groupCommitOptions(eventStoreSettings({ EVENT_STORE_GROUP_COMMIT: 'off' }))).toBe(false);
    // A hand-built config without the settings: the store's own defaults.
    expect(groupCommitOptions(undefined)).toEqual({});
  });

  it('refuses a bad value, naming the setting', () => {
    expect(() => eventStoreSettings({ EVENT_STORE_GROUP_MAX: '0' })).toThrow(ConfigError);
    expect(() => eventStoreSettings({ EVENT_STORE_GROUP_WAIT_MS: '-1' })).toThrow(/EVENT_STORE_GROUP_WAIT_MS/);
    expect(() => eventStoreSettings({ EVENT_STORE_GROUP_COMMIT: 'maybe' })).toThrow(/EVENT_STORE_GROUP_COMMIT/);
    expect(() => eventStoreSettings({ EVENT_STORE_GROUP_CONCURRENCY: '1.5' })).toThrow(/EVENT_STORE_GROUP_CONCURRENCY/);
  });
});
