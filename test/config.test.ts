import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('configuration', () => {
  it('defaults to the embedded mode with every role', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PORT: 8080,
      DATA_DIR: './data',
      ROLES: ['api', 'projector', 'dispatcher'],
      LOG_LEVEL: 'info',
    });
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it('reads every variable it knows', () => {
    const config = loadConfig({
      PORT: '9000',
      DATABASE_URL: 'postgres://ledger@db:5432/ledger',
      EVENTSTORE_URL: 'esdb://eventstore:2113?tls=false',
      PUBLIC_URL: 'https://ledger.example.org',
      ROLES: 'projector',
      PROJECTION_BATCH_SIZE: '250',
    });
    expect(config).toMatchObject({ PORT: 9000, ROLES: ['projector'], PROJECTION_BATCH_SIZE: 250 });
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ DATABASE_URL: '' }).DATABASE_URL).toBeUndefined();
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://db/ledger'],
    ['EVENTSTORE_URL', 'http://eventstore:2113'],
    ['PUBLIC_URL', 'ftp://ledger'],
    ['ROLES', 'api,dispatch'],
    ['LOG_LEVEL', 'verbose'],
    ['PROJECTION_BATCH_SIZE', '0'],
  ])('refuses a bad %s (%s), naming the variable', (name, value) => {
    const error = (() => {
      try {
        loadConfig({ [name]: value });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain(name);
  });
});
