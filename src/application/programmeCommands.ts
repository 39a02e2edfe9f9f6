import { canonicalJson } from '../domain/canonicalJson.js';
import type { OutboundCredentials } from '../domain/dfspConnection.js';
import { checkDfspUrl, type DfspUrlPolicy } from '../domain/dfspUrlPolicy.js';
import { DomainError } from '../domain/domainError.js';
import { optional } from '../domain/optional.js';
import { programmeDecider } from '../domain/programmeDecider.js';
import {
  type IdMapperRegistration,
  type ProgrammeApproval,
  programmeStream,
} from '../domain/programmeEvents.js';
import { commandHandlerFor } from './commandHandler.js';
import type { DfspSecrets } from './dfspSecrets.js';
import type { EventStore } from './eventStore.js';
import type { CommandContext } from './ledgerCommands.js';

/** A programme's registration as an administrator writes it; credentials are write-only. */
export interface ProgrammeRegistration {
  readonly approval: ProgrammeApproval;
  /**
   * The programme's ID mapper. Without `credentials`, those in force for the mapper stay;
   * `{auth: {kind: 'none'}}` removes them.
   */
  readonly idMapper?: { readonly url: string; readonly credentials?: OutboundCredentials };
}

/** A programme's registration in force, as events record it (credentials described only). */
export interface ProgrammeInForce {
  readonly registered: boolean;
  readonly approval: ProgrammeApproval;
  readonly idMapper?: IdMapperRegistration;
}

/** Where to ask the programme's mapper, with the credentials to send. */
export interface IdMapperConnection {
  readonly url: string;
  readonly credentials?: OutboundCredentials;
}

/** Programme registrations (`PUT /v1/programmes/{programId}`) and what they say. */
export interface ProgrammeCommands {
  /**
   * Records how the programme's batches are approved and which ID mapper resolves its
   * beneficiaries; the same again records nothing. A mapper URL the DFSP URL policy refuses is
   * `id_mapper_url_refused`; SSH credentials are `invalid_credentials`.
   */
  registerProgramme(
    programId: string,
    registration: ProgrammeRegistration,
    context: CommandContext,
  ): Promise<{ readonly created: boolean } & ProgrammeInForce>;
  /** The registration in force (`registered: false` and four eyes before the first). */
  registrationOf(programId: string): Promise<ProgrammeInForce>;
  /** How the programme's batches are approved: `four-eyes` unless registered otherwise. */
  approvalOf(programId: string): Promise<ProgrammeApproval>;
  /** The programme's ID mapper with its credentials unsealed; undefined when it has none. */
  idMapperOf(programId: string): Promise<IdMapperConnection | undefined>;
}

/**
 * {@link ProgrammeCommands} on the event store, one `programme-{programId}` stream each. A
 * mapper's credentials are sealed in the secrets store under the owner `programme:{programId}`
 * (no DFSP id holds a colon), by fingerprint, before the event naming them is appended.
 *
 * @example
 * const programmes = programmeCommands(store, secrets, STRICT_DFSP_URL_POLICY);
 * await programmes.registerProgramme('CT-OVC', { approval: 'upstream' }, context);
 */
export function programmeCommands(
  store: EventStore,
  secrets: DfspSecrets,
  urlPolicy: DfspUrlPolicy,
): ProgrammeCommands {
  const programmes = commandHandlerFor(store, programmeDecider, programmeStream);
  const ownerOf = (programId: string) => `programme:${programId}`;

  async function mapperOf(
    programId: string,
    requested: NonNullable<ProgrammeRegistration['idMapper']>,
    inForce: IdMapperRegistration | undefined,
  ): Promise<IdMapperRegistration> {
    checkMapperUrl(requested.url, urlPolicy);
    const { credentials } = requested;
    if (credentials === undefined) {
      return { url: requested.url, ...optional('credentials', inForce?.credentials) };
    }
    if (credentials.auth.kind.startsWith('ssh-') || credentials.secrets !== undefined) {
      throw new DomainError(
        'invalid_credentials',
        'an ID mapper takes HTTP credentials (none, bearer, basic, api-key, ' +
          'oauth2-client-credentials) and a client certificate, nothing else',
        ['idMapper', 'credentials'],
      );
    }
    if (credentials.auth.kind === 'none' && credentials.clientTls === undefined) {
      return { url: requested.url };
    }
    const sealed = canonicalJson(credentials);
    const fingerprint = secrets.fingerprint(sealed);
    await secrets.save(ownerOf(programId), fingerprint, sealed);
    const setAt =
      inForce?.credentials?.fingerprint === fingerprint
        ? inForce.credentials.setAt
        : new Date().toISOString();
    return {
      url: requested.url,
      credentials: {
        auth: credentials.auth.kind,
        clientTls: credentials.clientTls !== undefined,
        fingerprint,
        setAt,
      },
    };
  }

  return {
    async registerProgramme(programId, registration, context) {
      const { state: before } = await programmes.load(programId);
      const idMapper =
        registration.idMapper === undefined
          ? undefined
          : await mapperOf(programId, registration.idMapper, before.idMapper);
      const { appended, state } = await programmes(
        programId,
        {
          type: 'RegisterProgramme',
          programId,
          approval: registration.approval,
          ...optional('idMapper', idMapper),
          by: context.actor,
        },
        context,
      );
      return { created: appended.length > 0, ...state };
    },
    async registrationOf(programId) {
      return (await programmes.load(programId)).state;
    },
    async approvalOf(programId) {
      return (await programmes.load(programId)).state.approval;
    },
    async idMapperOf(programId) {
      const { idMapper } = (await programmes.load(programId)).state;
      if (idMapper === undefined) return undefined;
      const fingerprint = idMapper.credentials?.fingerprint;
      if (fingerprint === undefined) return { url: idMapper.url };
      const sealed = await secrets.secret(ownerOf(programId), fingerprint);
      if (sealed === undefined) {
        throw new Error(`the ID mapper credentials of programme ${programId} are missing`);
      }
      return { url: idMapper.url, credentials: JSON.parse(sealed) as OutboundCredentials };
    },
  };
}

/**
 * Refuses a mapper URL the DFSP URL policy would refuse (scheme, loopback and metadata hosts):
 * beneficiary ids leave the ledger's network on it, as payments do to a DFSP.
 */
function checkMapperUrl(url: string, policy: DfspUrlPolicy): void {
  try {
    checkDfspUrl(url, policy);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    throw new DomainError('id_mapper_url_refused', error.message.replace(/^baseUrl/, 'url'), [
      'idMapper',
      'url',
    ]);
  }
}
