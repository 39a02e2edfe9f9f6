import { signCallback } from '../adapters/dfsp/callbackSignature.js';
import { abortableSleep } from '../application/abortableSleep.js';
import { type ApiCall, DEMO_CURRENCY, formatCount } from './demoProgramme.js';

/** A demo DFSP as reconciliation sees it: its simulator, its secret and the format it sends. */
export interface StatementSender {
  readonly dfspId: string;
  readonly simulatorUrl: string;
  readonly secret: string;
  readonly format: 'csv' | 'mt940' | 'camt053';
}

interface StatementView {
  readonly lines: Readonly<Record<string, number>>;
  readonly missingFromStatement: number;
  readonly balance: { readonly check: string };
}

const MEDIA_TYPES = { csv: 'text/csv', mt940: 'application/x-mt940', camt053: 'application/xml' };
const PROJECTED_WITHIN_MS = 30_000;

/**
 * The demo's last step: each DFSP sends the ledger its statement (exported by its simulator, in
 * its own format, signed with its callback secret); prints what reconciliation made of each and
 * the batch's reconciliation. Answers whether every line matched and nothing is missing.
 */
export async function reconcileStatements(
  serviceUrl: string,
  api: ApiCall,
  batchId: string,
  senders: readonly StatementSender[],
  signal: AbortSignal,
): Promise<boolean> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out('\nreconciliation: each DFSP sends its statement, signed');
  let clean = true;
  for (const sender of senders) {
    const exported = await fetch(`${sender.simulatorUrl}/statements?format=${sender.format}`, {
      signal,
    });
    if (!exported.ok) throw new Error(`${sender.dfspId}'s statement: HTTP ${exported.status}`);
    const body = await exported.text();
    const sent = await fetch(`${serviceUrl}/v1/dfsps/${sender.dfspId}/statements`, {
      method: 'POST',
      signal,
      headers: {
        'content-type': MEDIA_TYPES[sender.format],
        'x-signature': signCallback(sender.secret, body, Math.floor(Date.now() / 1000)),
      },
      body,
    });
    const answer = (await sent.json()) as { statementId?: string; detail?: string };
    if (sent.status !== 201 || answer.statementId === undefined) {
      throw new Error(
        `importing ${sender.dfspId}'s statement: HTTP ${sent.status} ${answer.detail}`,
      );
    }
    const view = await projected(api, answer.statementId, signal);
    const { total = 0, matched = 0, mismatched = 0, unknown = 0 } = view.lines;
    clean &&= matched === total && view.missingFromStatement === 0;
    out(
      `  ${sender.dfspId.padEnd(13)} ${sender.format.padEnd(8)} ${formatCount(total)} lines: ` +
        `${formatCount(matched)} matched, ${formatCount(mismatched)} mismatched, ` +
        `${formatCount(unknown)} unknown, ${formatCount(view.missingFromStatement)} missing; ` +
        `balance ${view.balance.check.replace('_', ' ')}`,
    );
  }
  const summary = await api<{
    reconciliation: Record<string, { count: number; amount: string }>;
  }>('reporter', 'GET', `/v1/batches/${batchId}`, 200);
  for (const [state, { count, amount }] of Object.entries(summary.reconciliation)) {
    const grouped = amount.replace(/\B(?=(\d{3})+\.)/g, ',');
    out(
      `  batch ${state.padEnd(13)}${formatCount(count).padStart(9)} ` +
        `${grouped.padStart(17)} ${DEMO_CURRENCY}`,
    );
  }
  return clean;
}

/** The statement's reconciliation once the projector has it. */
async function projected(
  api: ApiCall,
  statementId: string,
  signal: AbortSignal,
): Promise<StatementView> {
  const deadline = performance.now() + PROJECTED_WITHIN_MS;
  for (;;) {
    try {
      return await api<StatementView>(
        'reporter',
        'GET',
        `/v1/reconciliation/statements/${statementId}`,
        200,
      );
    } catch (error) {
      if (performance.now() > deadline) throw error;
    }
    await abortableSleep(250, signal);
    signal.throwIfAborted();
  }
}
