import type { DfspCallbackIntake } from '../../application/dfspCallbackIntake.js';
import { DfspMessageError } from '../../application/dfspConnector.js';
import type { SeenSignatures } from '../../application/dfspRequestAuthentication.js';
import { SIGNATURE_TOLERANCE_SECONDS } from './callbackSignature.js';
import { verifyMappedCallback } from './callbackVerification.js';
import type { DfspConnections } from './dfspConnections.js';

/**
 * The generic callback intake over the DFSPs' connections: the callback is verified the way the
 * DFSP's registration says (`callbackVerification`, `x-signature` by default), its body read as
 * JSON and mapped by the DFSP's mapping to reports. A verified callback that carries a replay key
 * (a signature with a timestamp, a Standard Webhooks id) is refused the second time once applied.
 *
 * @example
 * const intake = createCallbackIntake(connections, createSeenSignatures(sql));
 * await intake.read('bank-x', callback); // { kind: 'read', reports, answer, accepted }
 */
export function createCallbackIntake(
  connections: Pick<DfspConnections, 'connectedDfsp'>,
  seen: SeenSignatures,
): DfspCallbackIntake {
  return {
    async read(dfspId, callback) {
      const connected = await connections.connectedDfsp(dfspId);
      const secret = connected?.connection.callbackSecret;
      if (connected === undefined || connected.kind !== 'mapped-http' || secret === undefined) {
        return { kind: 'refused', reason: 'unknown_dfsp' };
      }
      const verification = connected.connection.profile.callbackVerification ?? {
        kind: 'x-signature' as const,
      };
      const verdict = verifyMappedCallback(verification, secret, dfspId, callback);
      if (!verdict.ok) return { kind: 'refused', reason: verdict.reason };
      const { replayKey } = verdict;
      if (replayKey !== undefined && (await seen.seen(replayKey))) {
        return { kind: 'refused', reason: 'replayed' };
      }
      let body: unknown;
      try {
        body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(callback.rawBody));
      } catch {
        return { kind: 'malformed', path: '(root)', message: 'not valid UTF-8 JSON' };
      }
      try {
        const read = await connected.connector.readCallback(body, callback.headers, callback.query);
        return {
          kind: 'read',
          ...read,
          async accepted() {
            if (replayKey === undefined) return;
            const untilMs = (callback.nowSeconds + 2 * SIGNATURE_TOLERANCE_SECONDS) * 1_000;
            await seen.remember(replayKey, new Date(untilMs));
          },
        };
      } catch (error) {
        if (!(error instanceof DfspMessageError)) throw error;
        return { kind: 'malformed', path: error.path || '(root)', message: error.message };
      }
    },
  };
}
