import { z } from 'zod';

/**
 * How the ledger talks to one DFSP, as data: which connector, which mapping of its API, how
 * callbacks prove they come from it, and which kind of outbound credential is set. Secrets are
 * never here (this is recorded in events, which cannot be erased): credentials are kept sealed
 * outside the log and named by an HMAC fingerprint.
 */

/** The connectors the ledger ships. */
export const ConnectorKind = z.enum(['g2p-connect', 'mapped-http', 'iso20022-files']);
export type ConnectorKind = z.infer<typeof ConnectorKind>;

/** A JSONata expression, as written (compiled and checked when a registration is recorded). */
const Expression = z.string().min(1).max(20_000);
const HttpMethod = z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

/** One HTTP request of a mapped API: each part an expression over the request's input. */
export const MappedRequest = z.strictObject({
  method: HttpMethod,
  /** Evaluates to the path (and query) appended to the DFSP's base URL, e.g. `'/payouts'`. */
  path: Expression,
  /** Evaluates to an object of header names to string values. */
  headers: Expression.optional(),
  /** Evaluates to the body; none for GET. */
  body: Expression.optional(),
  /** `json` (default) or `form` (`application/x-www-form-urlencoded` of a flat object). */
  bodyEncoding: z.enum(['json', 'form']).default('json'),
});
export type MappedRequest = z.infer<typeof MappedRequest>;

/**
 * A DFSP's API described as data (the `mapped-http` connector). Every expression is JSONata;
 * what each one sees and must produce is documented in the README ("Connecting a DFSP").
 */
export const MappingDocument = z.strictObject({
  /** Payments per request: 1 for APIs that take one payment per request. */
  maxPaymentsPerRequest: z.number().int().min(1).max(10_000).default(1),
  submit: z.strictObject({
    request: MappedRequest,
    /** Evaluates `{status, headers, body, payments}` to one outcome, or one per payment. */
    outcome: Expression,
  }),
  statusQuery: z
    .strictObject({
      maxPaymentsPerRequest: z.number().int().min(1).max(1_000).default(1),
      request: MappedRequest,
      /** Evaluates `{status, headers, body, payments}` to one report per payment. */
      reports: Expression,
    })
    .optional(),
  callback: z
    .strictObject({
      /** Evaluates `{body, headers}` to the reports the callback carries. */
      reports: Expression,
      /** Evaluates `{body, headers}` to the answer's JSON body; `{}` when absent. */
      answer: Expression.optional(),
    })
    .optional(),
});
export type MappingDocument = z.infer<typeof MappingDocument>;
export type MappingDocumentInput = z.input<typeof MappingDocument>;

/** Parameters a mapping reads as `parameters.<name>` (a shortcode, an initiator name). */
export const ConnectionParameters = z
  .record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/), z.string().max(8_000))
  .refine((parameters) => Object.keys(parameters).length <= 32, 'at most 32 parameters');

const HeaderName = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'an HTTP header name');

/**
 * How a DFSP's callbacks prove they come from it. Every kind is keyed by the DFSP's callback
 * secret; `allowFrom` optionally also limits the source addresses.
 *
 * - `x-signature`: our `X-Signature: t=…,v1=<hex HMAC-SHA256(secret, t + "." + body)>`.
 * - `hmac-header`: an HMAC-SHA256 of the raw body in a named header, with an optional prefix
 *   (GitHub-style `X-Hub-Signature-256: sha256=<hex>`).
 * - `standard-webhooks`: `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>`.
 * - `path-token`: for DFSPs that sign nothing (M-Pesa Daraja): the callback URL the ledger hands
 *   the DFSP carries a token derived from the secret; only that URL is accepted.
 */
export const CallbackVerification = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('x-signature'),
    allowFrom: z.array(z.ipv4()).max(32).optional(),
  }),
  z.strictObject({
    kind: z.literal('hmac-header'),
    header: HeaderName,
    prefix: z.string().max(32).default(''),
    encoding: z.enum(['hex', 'base64']).default('hex'),
    allowFrom: z.array(z.ipv4()).max(32).optional(),
  }),
  z.strictObject({
    kind: z.literal('standard-webhooks'),
    allowFrom: z.array(z.ipv4()).max(32).optional(),
  }),
  z.strictObject({
    kind: z.literal('path-token'),
    allowFrom: z.array(z.ipv4()).max(32).optional(),
  }),
]);
export type CallbackVerification = z.infer<typeof CallbackVerification>;

/** The kinds of outbound authentication a DFSP may require. */
export const OutboundAuthKind = z.enum([
  'none',
  'bearer',
  'basic',
  'api-key',
  'oauth2-client-credentials',
  'ssh-password',
  'ssh-private-key',
]);
export type OutboundAuthKind = z.infer<typeof OutboundAuthKind>;

/** Which credential is set and when: what events and `GET` show, never the values. */
export const CredentialsDescriptor = z.strictObject({
  auth: OutboundAuthKind,
  /** A client certificate (mutual TLS) is set. */
  clientTls: z.boolean(),
  /** HMAC under the master key of the sealed credentials: a change is visible, a guess untestable. */
  fingerprint: z.string().regex(/^[0-9a-f]{16}$/),
  setAt: z.iso.datetime(),
});
export type CredentialsDescriptor = z.infer<typeof CredentialsDescriptor>;

/** The profiles the ledger ships, by name; a registration records `name@version`. */
export const ProfileName = z.enum(['mpesa-b2c', 'mojaloop-sdk']);
export type ProfileName = z.infer<typeof ProfileName>;

const Secret = z.string().min(1).max(4_096);
const Pem = z
  .string()
  .max(64 * 1024)
  .regex(/-----BEGIN [A-Z0-9 ]+-----/, 'a PEM block (-----BEGIN …-----)');

/** The outbound authentication a DFSP requires, with its secret values. */
export const OutboundAuth = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('none') }),
  z.strictObject({ kind: z.literal('bearer'), token: Secret }),
  z.strictObject({
    kind: z.literal('basic'),
    username: z.string().min(1).max(200),
    password: Secret,
  }),
  z.strictObject({ kind: z.literal('api-key'), header: HeaderName, value: Secret }),
  z.strictObject({
    kind: z.literal('oauth2-client-credentials'),
    /** The token endpoint, absolute (it may be another host than the API's). */
    tokenUrl: z.url({ protocol: /^https?$/ }).max(2_000),
    clientId: z.string().min(1).max(400),
    clientSecret: Secret,
    scope: z.string().max(1_000).optional(),
    audience: z.string().max(1_000).optional(),
    /** `basic`: `Authorization: Basic id:secret`; `body`: `client_id`/`client_secret` fields. */
    clientAuthentication: z.enum(['basic', 'body']).default('basic'),
    /** `POST` (RFC 6749) by default; Daraja's token endpoint is a `GET`. */
    method: z.enum(['POST', 'GET']).default('POST'),
  }),
  /** SFTP (`iso20022-files`): the password of the user the file exchange names. */
  z.strictObject({ kind: z.literal('ssh-password'), password: Secret }),
  /** SFTP (`iso20022-files`): a private key in OpenSSH or PEM form, and its passphrase if any. */
  z.strictObject({
    kind: z.literal('ssh-private-key'),
    privateKey: Pem,
    passphrase: Secret.optional(),
  }),
]);
export type OutboundAuth = z.infer<typeof OutboundAuth>;

/**
 * Outbound credentials as a registration writes them. They are write-only: sealed under the
 * master key outside the event log, never answered, logged or recorded (events carry only the
 * {@link CredentialsDescriptor}).
 */
export const OutboundCredentials = z.strictObject({
  auth: OutboundAuth,
  /** A client certificate for mutual TLS, its private key and the CA bundle to trust. */
  clientTls: z
    .strictObject({ certificate: Pem, privateKey: Pem, caBundle: Pem.optional() })
    .optional(),
  /** Secret values a mapping reads as `secrets.<name>` (an initiator password). */
  secrets: z
    .record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/), Secret)
    .refine((secrets) => Object.keys(secrets).length <= 16, 'at most 16 secrets')
    .optional(),
});
export type OutboundCredentials = z.infer<typeof OutboundCredentials>;

/** A folder on the bank's SFTP server: an absolute path, no `..`, no control characters. */
const RemoteFolder = z
  .string()
  .max(500)
  .regex(/^\/(?:[^/\s]+(?:\/[^/\s]+)*)?$/, 'an absolute path such as /outbox, no trailing /')
  .refine((folder) => !/\p{Cc}/u.test(folder), 'no control characters')
  .refine((folder) => !folder.split('/').includes('..'), 'no .. in a folder');

/**
 * How the ledger exchanges files with a bank that takes no API calls (`iso20022-files`): the
 * SFTP server of its `sftp://host:port` base URL, reached as `username` and trusted by its pinned
 * host key; the folders it writes payment files to and reads the bank's files from; and the
 * programme's funding account as the payment files name it (`Dbtr`). The password or private
 * key is a credential (`ssh-password`, `ssh-private-key`), sealed like every other.
 */
export const FileExchange = z.strictObject({
  username: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'a user name'),
  /** The server's host key as `ssh-keygen -l` prints it: `SHA256:` and 43 base64 characters. */
  hostKey: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'SHA256:<43 base64 characters>'),
  /** Where `pain.001` payment files are uploaded (the bank's incoming folder). */
  outbox: RemoteFolder.default('/outbox'),
  /** Where the bank leaves `pain.002` status reports and statements. */
  inbox: RemoteFolder.default('/inbox'),
  /** Where read files are moved, so none is read twice. */
  processed: RemoteFolder.default('/inbox/processed'),
  /** How often the inbox is read, in milliseconds. */
  pollIntervalMs: z.number().int().min(100).max(3_600_000).default(10_000),
  debtor: z.strictObject({
    name: z.string().min(1).max(140),
    /** The funding account: an IBAN, or the bank's own account number. */
    account: z.string().regex(/^[A-Za-z0-9]{1,34}$/, 'an IBAN or account number'),
    /** The bank's BIC, where it has one. */
    agentBic: z
      .string()
      .regex(/^[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?$/, 'a BIC')
      .optional(),
  }),
  /** The name the files give as initiating party; the debtor's name when absent. */
  initiatingParty: z.string().min(1).max(140).optional(),
});
export type FileExchange = z.infer<typeof FileExchange>;
export type FileExchangeInput = z.input<typeof FileExchange>;
