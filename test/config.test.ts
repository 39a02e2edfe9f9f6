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

  it("reads the OIDC settings, with Keycloak's claims by default", () => {
    const config = loadConfig({
      OIDC_ISSUER: 'https://keycloak.example/realms/openg2p',
      OIDC_AUDIENCE: 'g2p-ledger',
      METRICS_TOKEN: 'metrics-token-0123456789',
    });
    expect(config).toMatchObject({
      OIDC_ISSUER: 'https://keycloak.example/realms/openg2p',
      OIDC_AUDIENCE: 'g2p-ledger',
      OIDC_ROLES_CLAIM: 'realm_access.roles',
      OIDC_PRINCIPAL_CLAIM: 'preferred_username',
      METRICS_TOKEN: 'metrics-token-0123456789',
    });
    expect(config.OIDC_JWKS_URL).toBeUndefined();
    expect(loadConfig({}).OIDC_ISSUER).toBeUndefined();
  });

  it.each([
    [{ OIDC_ISSUER: 'https://keycloak.example/realms/openg2p' }, 'OIDC_AUDIENCE'],
    [{ OIDC_AUDIENCE: 'g2p-ledger' }, 'OIDC_ISSUER'],
    [{ OIDC_JWKS_URL: 'https://keycloak.example/certs' }, 'OIDC_JWKS_URL'],
  ])('refuses incomplete OIDC settings %j, naming %s', (env, name) => {
    expect(() => loadConfig(env)).toThrow(name);
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
    ['OIDC_ISSUER', 'keycloak.example/realms/openg2p'],
    ['OIDC_AUDIENCE', 'a'.repeat(201)],
    ['OIDC_JWKS_URL', 'ldap://keycloak.example/certs'],
    ['OIDC_ROLES_CLAIM', 'realm_access..roles'],
    ['OIDC_PRINCIPAL_CLAIM', 'preferred username'],
    ['METRICS_TOKEN', 'short'],
    ['METRICS_TOKEN', 'a token with spaces in it'],
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
