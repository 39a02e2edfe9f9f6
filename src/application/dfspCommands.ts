import { canonicalJson } from '../domain/canonicalJson.js';
import {
  type CredentialsDescriptor,
  MappingDocument,
  type OutboundCredentials,
} from '../domain/dfspConnection.js';
import { DfspProfile } from '../domain/dfspEvents.js';
import { checkDfspUrl, type DfspUrlPolicy } from '../domain/dfspUrlPolicy.js';
import { DomainError } from '../domain/domainError.js';
import { optional } from '../domain/optional.js';
import type { ConnectionCatalogue } from './connectionCatalogue.js';
import type { DfspSecrets } from './dfspSecrets.js';
import type { DfspRegistration, LedgerCommands } from './ledgerCommands.js';
import type { LedgerStreams } from './ledgerStreams.js';

/** Registering DFSPs and taking them out of routing and back: commands on `dfsp-{dfspId}`. */
export function dfspCommands(
  streams: LedgerStreams,
  secrets: DfspSecrets,
  urlPolicy: DfspUrlPolicy,
  catalogue: ConnectionCatalogue,
): Pick<LedgerCommands, 'registerDfsp' | 'currentDfspRegistration' | 'suspendDfsp' | 'resumeDfsp'> {
  /**
   * The mapping part of a registration, checked: a profile resolved, a mapping compiled. A
   * mapped DFSP's groups are never larger than its mapping sends in one request.
   */
  function connectionOf(registration: DfspRegistration) {
    const shipped =
      registration.profile === undefined
        ? undefined
        : catalogue.shippedProfile(registration.profile);
    let mapping: MappingDocument | undefined;
    if (registration.mapping !== undefined) {
      const parsed = MappingDocument.safeParse(registration.mapping);
      if (!parsed.success) throw invalid('invalid_mapping', parsed.error.issues[0], ['mapping']);
      mapping = parsed.data;
      catalogue.checkMapping(mapping);
    }
    const perRequest = (mapping ?? shipped?.mapping)?.maxPaymentsPerRequest;
    const { maxBatchSize } = registration;
    return {
      ...optional('profile', shipped?.recordedAs),
      ...optional('mapping', mapping),
      ...optional(
        'callbackVerification',
        registration.callbackVerification ?? shipped?.callbackVerification,
      ),
      ...optional(
        'maxBatchSize',
        perRequest === undefined ? maxBatchSize : Math.min(maxBatchSize ?? perRequest, perRequest),
      ),
    };
  }

  /**
   * Seals new credentials and describes them; without new ones, those in force stay. The secret
   * is saved before its event (see `registerDfsp`).
   */
  /**
   * The parts a connector needs, and only those: a file exchange and SSH credentials for
   * `iso20022-files` (whose base URL is `sftp://`), neither for the HTTP connectors.
   */
  function checkConnectorParts(registration: DfspRegistration): void {
    const files = registration.connector === 'iso20022-files';
    const sftp = registration.baseUrl.startsWith('sftp:');
    const sshAuth = registration.credentials?.auth.kind.startsWith('ssh-') ?? files;
    const mismatch = (message: string, path: string) =>
      new DomainError('connector_mismatch', message, [path]);
    if (files !== sftp) {
      throw mismatch(
        files
          ? 'iso20022-files needs an sftp://host:port base URL'
          : 'sftp:// is for iso20022-files',
        'baseUrl',
      );
    }
    if (files !== (registration.files !== undefined)) {
      throw mismatch(files ? 'iso20022-files needs files' : 'files is for iso20022-files', 'files');
    }
    if (files !== sshAuth && registration.credentials?.auth.kind !== 'none') {
      throw mismatch(
        files
          ? 'iso20022-files authenticates with ssh-password or ssh-private-key'
          : 'ssh credentials are for iso20022-files',
        'credentials.auth.kind',
      );
    }
    if (files && (registration.mapping !== undefined || registration.profile !== undefined)) {
      throw mismatch('iso20022-files takes no mapping or profile', 'mapping');
    }
  }

  async function credentialsOf(
    dfspId: string,
    credentials: OutboundCredentials | undefined,
    now: string,
  ): Promise<CredentialsDescriptor | undefined> {
    const { state } = await streams.dfsps.load(dfspId);
    const inForce = state.profile?.credentials;
    if (credentials === undefined) return inForce;
    const nothing =
      credentials.auth.kind === 'none' &&
      credentials.clientTls === undefined &&
      Object.keys(credentials.secrets ?? {}).length === 0;
    if (nothing) return undefined;
    const sealed = canonicalJson(credentials);
    const fingerprint = secrets.fingerprint(sealed);
    await secrets.save(dfspId, fingerprint, sealed);
    return {
      auth: credentials.auth.kind,
      clientTls: credentials.clientTls !== undefined,
      fingerprint,
      setAt: inForce?.fingerprint === fingerprint ? inForce.setAt : now,
    };
  }

  return {
    async registerDfsp(dfspId, registration, context) {
      const { callbackSecret, credentials, profile: _, mapping: __, ...rest } = registration;
      // The connection's own limit on payments per request replaces a larger `maxBatchSize`.
      checkDfspUrl(rest.baseUrl, urlPolicy);
      checkConnectorParts(registration);
      const connection = connectionOf(registration);
      const fingerprint = secrets.fingerprint(callbackSecret);
      // Secrets first, then their event. Secrets are kept by fingerprint and those in force are
      // the ones the latest registration event names (connectionInForce), so: if the append
      // fails or the process dies before it, the saved secrets are named by no event and never
      // used (a retry saves the same rows again and appends); once the append succeeds, its
      // secrets are already there. No path gives an event whose secret was not saved, nor a
      // secret in force without its event.
      const descriptor = await credentialsOf(dfspId, credentials, new Date().toISOString());
      const parsed = DfspProfile.safeParse({
        ...rest,
        ...connection,
        ...optional('credentials', descriptor),
        dfspId,
        secretFingerprint: fingerprint,
      });
      if (!parsed.success) throw invalid('invalid_dfsp', parsed.error.issues[0], []);
      await secrets.save(dfspId, fingerprint, callbackSecret);
      const { appended, state } = await streams.dfsps(
        dfspId,
        { type: 'RegisterDfsp', profile: parsed.data, by: context.actor },
        context,
      );
      const created = appended.some((event) => event.type === 'DfspRegistered');
      return { created, profile: state.profile ?? parsed.data };
    },

    async currentDfspRegistration(dfspId) {
      const { state } = await streams.dfsps.load(dfspId);
      return state.profile;
    },

    async suspendDfsp(dfspId, reason, context) {
      const command = {
        type: 'SuspendDfsp' as const,
        by: context.actor,
        ...optional('reason', reason),
      };
      await streams.dfsps(dfspId, command, context);
    },

    async resumeDfsp(dfspId, context) {
      await streams.dfsps(dfspId, { type: 'ResumeDfsp', by: context.actor }, context);
    },
  };
}

function invalid(
  code: string,
  issue: { readonly message: string; readonly path: readonly PropertyKey[] } | undefined,
  prefix: readonly string[],
): DomainError {
  return new DomainError(code, issue?.message ?? 'invalid DFSP', [
    ...prefix,
    ...(issue?.path.map(String) ?? []),
  ]);
}
