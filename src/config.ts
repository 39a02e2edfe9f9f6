import { z } from 'zod';

const ROLES = ['api', 'projector', 'dispatcher'] as const;
export type Role = (typeof ROLES)[number];

const postgresUrl = z
  .url({ protocol: /^postgres(ql)?$/ })
  .describe('postgres://user:password@host:5432/database');

/**
 * Every setting of the service, read from environment variables and validated once at start-up.
 * An unknown or malformed value stops the process with a message naming the variable.
 */
const Config = z.object({
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
  ROLES: z
    .string()
    .default(ROLES.join(','))
    .transform((value) => value.split(',').map((role) => role.trim()))
    .pipe(z.array(z.enum(ROLES)).min(1)),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PROJECTION_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
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

/** Which stores a configuration selects, for logs and the README's table of modes. */
export function describeMode(config: Config): string {
  const readModels = config.DATABASE_URL ? 'Postgres' : `PGlite in ${config.DATA_DIR}`;
  const events = config.EVENTSTORE_URL ? 'EventStoreDB' : readModels;
  return `events: ${events}; read models: ${readModels}`;
}
