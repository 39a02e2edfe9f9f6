import { z } from 'zod';
import {
  CallbackVerification,
  ConnectionParameters,
  ConnectorKind,
  CredentialsDescriptor,
  FileExchange,
  MappingDocument,
} from './dfspConnection.js';
import { CurrencyCode, defineEvent, type EventOf, Principal } from './eventSchemas.js';

export const DfspId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and -');

/**
 * A DFSP's registration as routing and dispatch see it. Secrets (the callback secret, API
 * credentials) are never in events, which cannot be erased: the event records only a
 * fingerprint of the secret so a change of secret is visible in the history.
 */
export const DfspProfile = z.strictObject({
  dfspId: DfspId,
  name: z.string().min(1).max(200),
  connector: ConnectorKind,
  /** A shipped mapping, `name@version` (`mapped-http` only). */
  profile: z
    .string()
    .regex(/^[a-z0-9-]{1,40}@\d{1,4}$/)
    .optional(),
  /** The DFSP's own mapping document (`mapped-http` without a profile). */
  mapping: MappingDocument.optional(),
  /** Values the mapping reads as `parameters.<name>`. */
  parameters: ConnectionParameters.optional(),
  /** How its callbacks are verified; `x-signature` when absent. */
  callbackVerification: CallbackVerification.optional(),
  /** Which outbound credentials are set; none when absent. */
  credentials: CredentialsDescriptor.optional(),
  /** The SFTP exchange (`iso20022-files` only). */
  files: FileExchange.optional(),
  /** The DFSP's API root; `sftp://host:port` for `iso20022-files`. */
  baseUrl: z.url({ protocol: /^(https?|sftp)$/ }),
  payerFa: z.string().min(1).max(160),
  currencies: z.array(CurrencyCode).min(1).max(50),
  faTypes: z.array(z.string().min(1).max(32)).min(1).max(50),
  /** A decimal string, read in each payment's currency. */
  maxAmount: z.string().optional(),
  maxBatchSize: z.number().int().positive().max(10_000).optional(),
  secretFingerprint: z.string().regex(/^[0-9a-f]{16}$/),
});
export type DfspProfile = z.infer<typeof DfspProfile>;

export const DfspRegistered = defineEvent(
  'DfspRegistered',
  z.strictObject({ ...DfspProfile.shape, by: Principal }),
);
export const DfspUpdated = defineEvent(
  'DfspUpdated',
  z.strictObject({ ...DfspProfile.shape, by: Principal }),
);
export const DfspSuspended = defineEvent(
  'DfspSuspended',
  z.strictObject({ dfspId: DfspId, by: Principal, reason: z.string().max(500).optional() }),
);
export const DfspResumed = defineEvent(
  'DfspResumed',
  z.strictObject({ dfspId: DfspId, by: Principal }),
);

/**
 * The dispatcher's circuit breaker opened (`unhealthy`: routing passes the DFSP by for its
 * fallbacks) or closed again (`healthy`).
 */
export const DfspHealthChanged = defineEvent(
  'DfspHealthChanged',
  z.strictObject({
    dfspId: DfspId,
    health: z.enum(['healthy', 'unhealthy']),
    reason: z.string().max(500),
  }),
);

export const dfspEvents = [
  DfspRegistered,
  DfspUpdated,
  DfspSuspended,
  DfspResumed,
  DfspHealthChanged,
] as const;
export type DfspEvent = EventOf<(typeof dfspEvents)[number]>;

export const dfspStream = (dfspId: string) => `dfsp-${dfspId}`;
