import { DfspProfile } from '../domain/dfspEvents.js';
import { checkDfspUrl, type DfspUrlPolicy } from '../domain/dfspUrlPolicy.js';
import { DomainError } from '../domain/domainError.js';
import { optional } from '../domain/optional.js';
import type { DfspSecrets } from './dfspSecrets.js';
import type { LedgerCommands } from './ledgerCommands.js';
import type { LedgerStreams } from './ledgerStreams.js';

/** Registering DFSPs and taking them out of routing and back: commands on `dfsp-{dfspId}`. */
export function dfspCommands(
  streams: LedgerStreams,
  secrets: DfspSecrets,
  urlPolicy: DfspUrlPolicy,
): Pick<LedgerCommands, 'registerDfsp' | 'suspendDfsp' | 'resumeDfsp'> {
  return {
    async registerDfsp(dfspId, registration, context) {
      const { callbackSecret, ...rest } = registration;
      checkDfspUrl(rest.baseUrl, urlPolicy);
      const fingerprint = secrets.fingerprint(callbackSecret);
      const parsed = DfspProfile.safeParse({ ...rest, dfspId, secretFingerprint: fingerprint });
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new DomainError(
          'invalid_dfsp',
          issue?.message ?? 'invalid DFSP',
          issue?.path.map(String) ?? [],
        );
      }
      // The secret first, then its event. Secrets are kept by fingerprint and the one in force is
      // the one the latest registration event names (callbackSecretInForce), so: if the append
      // fails or the process dies before it, the saved secret is named by no event and never
      // used (a retry saves the same row again and appends); once the append succeeds, its
      // secret is already there. No path gives an event whose secret was not saved, nor a
      // secret in force without its event.
      await secrets.save(dfspId, fingerprint, callbackSecret);
      const { appended } = await streams.dfsps(
        dfspId,
        { type: 'RegisterDfsp', profile: parsed.data, by: context.actor },
        context,
      );
      return { created: appended.some((event) => event.type === 'DfspRegistered') };
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
