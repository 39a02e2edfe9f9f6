import { ulid } from 'ulid';
import { DfspQueryError } from '../../application/dfspConnector.js';
import type { DfspTrial, TrialStep } from '../../application/dfspTrial.js';
import { DomainError, withPath } from '../../domain/domainError.js';
import { parseFinancialAddress } from '../../domain/financialAddress.js';
import { parseAmount } from '../../domain/money.js';
import type { DfspConnections } from './dfspConnections.js';
import { endpointOf } from './dfspDirectory.js';
import { MappingFailure } from './mapped/expressions.js';

/**
 * Preview and live test of DFSP connections (`POST /v1/dfsps/{dfspId}/preview` and `/test`).
 *
 * @example
 * const trial = createDfspTrial(connections, { timeoutMs: 10_000 });
 * await trial.test('acme'); // [{ step: 'access_token', ok: true, … }, { step: 'status_query', … }]
 */
export function createDfspTrial(
  connections: Pick<DfspConnections, 'connectedDfsp'>,
  options: { readonly timeoutMs: number },
): DfspTrial {
  async function connected(dfspId: string) {
    const found = await connections.connectedDfsp(dfspId);
    if (found === undefined) throw new DomainError('dfsp_not_found', `no DFSP ${dfspId}`);
    return found;
  }

  return {
    async preview(dfspId, payment) {
      const found = await connected(dfspId);
      if (found.kind !== 'mapped-http') {
        throw new DomainError(
          'preview_unavailable',
          'a preview renders mapped-http connections; G2P Connect requests follow the spec',
        );
      }
      const payeeFa = withPath(['payeeFa'], () => parseFinancialAddress(payment.payeeFa));
      const amountMinor = withPath(['amount'], () => parseAmount(payment.amount, payment.currency));
      try {
        const rendered = await found.connector.preview({
          dfsp: endpointOf(found.connection.profile, options.timeoutMs),
          transactionId: ulid(),
          messageId: ulid(),
          callbackUrl: found.callbackUrl,
          payments: [
            {
              paymentId: ulid(),
              payeeFa: payeeFa.normalized,
              amountMinor,
              currency: payment.currency,
              ...(payment.payeeName === undefined ? {} : { payeeName: payment.payeeName }),
              ...(payment.purpose === undefined ? {} : { purpose: payment.purpose }),
            },
          ],
        });
        return { ...rendered, body: rendered.body ?? null };
      } catch (error) {
        if (!(error instanceof MappingFailure)) throw error;
        throw new DomainError('mapping_failed', error.message, ['mapping']);
      }
    },

    async test(dfspId) {
      const found = await connected(dfspId);
      if (found.kind === 'iso20022-files') {
        const probed = await found.connector.probe();
        return [{ step: 'sftp_session', ...probed }];
      }
      const steps: TrialStep[] = [];
      if (found.accessToken !== undefined) {
        try {
          await found.accessToken();
          steps.push({ step: 'access_token', ok: true, detail: 'the token endpoint issued one' });
        } catch (error) {
          const detail = error instanceof Error ? error.message : String(error);
          steps.push({ step: 'access_token', ok: false, detail });
          return steps;
        }
      }
      const reference = ulid();
      try {
        const [report] = await found.connector.queryStatus(
          endpointOf(found.connection.profile, options.timeoutMs),
          [reference],
        );
        const status = report?.status ?? 'no answer';
        steps.push({
          step: 'status_query',
          ok: true,
          detail: `asked about ${reference}, a reference no DFSP holds: ${status}`,
        });
      } catch (error) {
        if (!(error instanceof DfspQueryError)) throw error;
        steps.push({ step: 'status_query', ok: false, detail: error.message });
      }
      return steps;
    },
  };
}
