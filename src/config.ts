import { z } from 'zod';

const ROLES = ['api', 'projector', 'dispatcher'] as const;
export type Role = (typeof ROLES)[number];

const postgresUrl = z
  .url({ protocol: /^postgres(ql)?$/ })
  .describe('postgres://user:password@host:5432/database');

/** A dotted path into a JWT's claims (`realm_access.roles`). */
const claimPath = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9_:-]+(\.[A-Za-z0-9_:-]+)*$/, 'must be a claim name or a dotted path to one');

/** A master key: the base64 of 32 random bytes (`openssl rand -base64 32`). */
const masterKey = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64 (openssl rand -base64 32)')
  .refine((value) => Buffer.from(value, 'base64').length === 32, 'must be the base64 of 32 bytes');

/** A duration in milliseconds within bounds. */
const ms = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/**
 * Every setting of the service, read from environment variables and validated once at start-up.
 * An unknown or malformed value stops the process with a message naming the variable.
 */
const Config = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
    HOST: z.string().min(1).default('0.0.0.0'),
    DATA_DIR: z.string().min(1).default('./data'),
    DATABASE_URL: postgresUrl.optional(),
    EVENTSTORE_URL: z
      .string()
      .regex(/^(esdb|esdb\+discover|kurrentdb|kurrentdb\+discover):\/\//, 'must be an esdb:// URL')
      .optional(),
    PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
    /** `token=name:role|role,…`; unset in embedded mode: tokens are made once in DATA_DIR. */
    API_TOKENS: z.string().min(1).optional(),
    /** The OpenID provider whose JWTs are accepted alongside API_TOKENS (`iss`, exactly). */
    OIDC_ISSUER: z.url({ protocol: /^https?$/ }).optional(),
    /** The audience the provider's tokens must name (`aud`), e.g. the client id. */
    OIDC_AUDIENCE: z.string().min(1).max(200).optional(),
    /** The provider's key set; from `OIDC_ISSUER`'s discovery document when unset. */
    OIDC_JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
    OIDC_ROLES_CLAIM: claimPath.default('realm_access.roles'),
    OIDC_PRINCIPAL_CLAIM: claimPath.default('preferred_username'),
    /** The claim listing the programmes a `programme` principal acts for (G2P Bridge API). */
    OIDC_PROGRAMS_CLAIM: claimPath.default('program_ids'),
    /**
     * The master key sealing secrets at rest; or SECRETS_KEY_FILE, a file holding it. Unset in
     * embedded mode: made once in DATA_DIR/secrets-key; required with Postgres or EventStoreDB.
     */
    SECRETS_KEY: masterKey.optional(),
    SECRETS_KEY_FILE: z.string().min(1).max(4_096).optional(),
    /** When set, `/metrics` needs `Authorization: Bearer <METRICS_TOKEN>`. */
    METRICS_TOKEN: z
      .string()
      .min(16, 'must be at least 16 characters')
      .max(500)
      .regex(/^[A-Za-z0-9\-._~+/]+=*$/, 'must be letters, digits or "-._~+/"')
      .optional(),
    ROLES: z
      .string()
      .default(ROLES.join(','))
      .transform((value) => value.split(',').map((role) => role.trim()))
      .pipe(z.array(z.enum(ROLES)).min(1)),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
    PROJECTION_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
    /**
     * The operator's hold on payments: `true` keeps the dispatcher role routing approved batches
     * but sending nothing to DFSPs (and asking them nothing) until it restarts without it.
     */
    DISPATCH_PAUSED: z
      .enum(['true', 'false'])
      .default('false')
      .transform((value) => value === 'true'),
    /** `true` lets DFSP base URLs be plain `http` (demos, tests, a simulator on loopback). */
    ALLOW_INSECURE_DFSP_URLS: z
      .enum(['true', 'false'])
      .default('false')
      .transform((value) => value === 'true'),
    /** Hosts a DFSP may be reached at although loopback, link-local or metadata: `a,b,…`. */
    DFSP_HOST_ALLOWLIST: z
      .string()
      .max(2_000)
      .default('')
      .transform((value) =>
        value
          .split(',')
          .map((host) => host.trim())
          .filter((host) => host !== ''),
      ),
    /** Our `sender_id` in G2P Connect headers, as the DFSPs know the ledger. */
    SENDER_ID: z.string().min(1).max(100).default('g2p-ledger'),
    DFSP_TIMEOUT_MS: ms(100, 300_000).default(10_000),
    DISPATCH_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
    DISPATCH_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),
    DISPATCH_RETRY_BASE_MS: ms(10, 600_000).default(1_000),
    DISPATCH_RETRY_MAX_MS: ms(10, 3_600_000).default(60_000),
    CIRCUIT_FAILURE_THRESHOLD: z.coerce.number().int().min(1).max(1_000).default(5),
    CIRCUIT_COOLDOWN_MS: ms(100, 3_600_000).default(30_000),
    STATUS_POLL_AFTER_MS: ms(1_000, 86_400_000).default(60_000),
    STATUS_POLL_INTERVAL_MS: ms(100, 3_600_000).default(5_000),
    /** Outbound webhooks: each request's time limit, the first retry's delay, the ceiling. */
    WEBHOOK_TIMEOUT_MS: ms(100, 60_000).default(10_000),
    /** Webhook messages in flight at once per subscription (never two of one payment). */
    WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),
    WEBHOOK_RETRY_BASE_MS: ms(10, 600_000).default(5_000),
    WEBHOOK_RETRY_MAX_MS: ms(10, 86_400_000).default(21_600_000),
    /**
     * Fault tests only: how long the file connector waits between writing a payment file under
     * its temporary name and renaming it, so a test can kill the service in between.
     */
    FILE_RENAME_DELAY_MS: ms(0, 60_000).default(0),
  })
  .superRefine((config, issues) => {
    if (config.STATUS_POLL_AFTER_MS <= config.DFSP_TIMEOUT_MS) {
      issues.addIssue({
        code: 'custom',
        path: ['STATUS_POLL_AFTER_MS'],
        message:
          'must be longer than DFSP_TIMEOUT_MS, or a sending in flight would be taken for lost',
      });
    }
    if ((config.OIDC_ISSUER === undefined) !== (config.OIDC_AUDIENCE === undefined)) {
      issues.addIssue({
        code: 'custom',
        path: [config.OIDC_ISSUER === undefined ? 'OIDC_ISSUER' : 'OIDC_AUDIENCE'],
        message: 'OIDC_ISSUER and OIDC_AUDIENCE go together: set both or neither',
      });
    }
    if (config.OIDC_JWKS_URL !== undefined && config.OIDC_ISSUER === undefined) {
      issues.addIssue({
        code: 'custom',
        path: ['OIDC_JWKS_URL'],
        message: 'needs OIDC_ISSUER and OIDC_AUDIENCE',
      });
    }
    if (config.SECRETS_KEY !== undefined && config.SECRETS_KEY_FILE !== undefined) {
      issues.addIssue({
        code: 'custom',
        path: ['SECRETS_KEY_FILE'],
        message: 'SECRETS_KEY and SECRETS_KEY_FILE are two ways to give one key: set only one',
      });
    }
    if (config.DISPATCH_RETRY_MAX_MS < config.DISPATCH_RETRY_BASE_MS) {
      issues.addIssue({
        code: 'custom',
        path: ['DISPATCH_RETRY_MAX_MS'],
        message: 'must not be below DISPATCH_RETRY_BASE_MS',
      });
    }
  });

export type Config = z.infer<typeof Config>;

/** Reads the configuration from `env`; throws a {@link ConfigError} listing every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = Config.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`,
    );
    throw new ConfigError(problems);
  }
  return parsed.data;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
}

/**
 * Where DFSPs reach the service: `PUBLIC_URL`, or the listening address (a wildcard host is
 * reached on loopback). No trailing slash.
 */
export function publicUrlOf(config: Config): string {
  if (config.PUBLIC_URL !== undefined) return config.PUBLIC_URL.replace(/\/+$/, '');
  const host = ['0.0.0.0', '::', '[::]'].includes(config.HOST) ? '127.0.0.1' : config.HOST;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.PORT}`;
}

/** Which stores a configuration selects, for logs and the README's table of modes. */
export function describeMode(config: Config): string {
  const readModels = config.DATABASE_URL ? 'Postgres' : `PGlite in ${config.DATA_DIR}`;
  const events = config.EVENTSTORE_URL ? 'EventStoreDB' : readModels;
  return `events: ${events}; read models: ${readModels}`;
}
