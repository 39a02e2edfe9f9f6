import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ulid } from 'ulid';
import { expect } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../src/simulator/simulator.js';
import { call, eventually, expectCall, type Reachable } from './support.js';

/**
 * A programme paid through DFSP simulators, over real HTTP: three DFSPs, rules sending large
 * payments to bank-a (the others as fallbacks) and the rest to bank-b and mobile-x, a batch
 * loaded, submitted and approved, and the checks that matter for money: every payment final,
 * none paid twice, the ledger's totals equal to what the DFSPs say they paid.
 */

export const DFSP_IDS = ['bank-a', 'bank-b', 'mobile-x'] as const;
export type DfspId = (typeof DFSP_IDS)[number];

export const secretOf = (dfspId: string) => `callback-secret-of-${dfspId}-0123456789`;

/** Where the service takes a DFSP's callbacks. */
export const callbackUrlOf = (service: { baseUrl: string }, dfspId: string) =>
  `${service.baseUrl}/v1/dfsps/${dfspId}/on-disburse`;

type SimulatorSettings = Omit<
  Parameters<typeof startSimulator>[0],
  'dfspId' | 'callbackUrl' | 'secret' | 'seed'
>;

/** Simulators of every DFSP of {@link DFSP_IDS}, started with `startDfspSimulators`. */
export interface DfspSimulators {
  readonly byDfsp: Readonly<Record<DfspId, RunningSimulator>>;
  readonly urls: Readonly<Record<DfspId, string>>;
  close(): Promise<void>;
}

/**
 * One DFSP simulator per DFSP of {@link DFSP_IDS}, each calling back on `service` with its
 * secret, seeded `seed`, `seed + 1`, … so runs repeat, and all sharing `settings`.
 */
export async function startDfspSimulators(
  service: { baseUrl: string },
  seed: number,
  settings: SimulatorSettings = {},
): Promise<DfspSimulators> {
  const started = await Promise.all(
    DFSP_IDS.map((dfspId, index) =>
      startSimulator({
        dfspId,
        callbackUrl: callbackUrlOf(service, dfspId),
        secret: secretOf(dfspId),
        seed: seed + index,
        ...settings,
      }),
    ),
  );
  const byDfsp = Object.fromEntries(DFSP_IDS.map((id, n) => [id, started[n]])) as Record<
    DfspId,
    RunningSimulator
  >;
  const urls = Object.fromEntries(DFSP_IDS.map((id) => [id, byDfsp[id].url])) as Record<
    DfspId,
    string
  >;
  return {
    byDfsp,
    urls,
    close: async () => {
      await Promise.all(started.map((simulator) => simulator.close()));
    },
  };
}

/** Dispatcher timings short enough for a test: the status poller and circuits act in seconds. */
export const FAST_DISPATCH = {
  DFSP_TIMEOUT_MS: '2000',
  STATUS_POLL_AFTER_MS: '3000',
  STATUS_POLL_INTERVAL_MS: '500',
  DISPATCH_RETRY_BASE_MS: '200',
  DISPATCH_RETRY_MAX_MS: '2000',
  DISPATCH_MAX_ATTEMPTS: '8',
  CIRCUIT_FAILURE_THRESHOLD: '3',
  CIRCUIT_COOLDOWN_MS: '1000',
} as const;

/** Registers the DFSPs at their simulators' addresses and publishes the rules. */
export async function registerProgramme(
  service: Reachable,
  urls: Readonly<Record<DfspId, string>>,
  maxBatchSize = 200,
): Promise<void> {
  for (const dfspId of DFSP_IDS) {
    await expectCall(service, 'admin', 'PUT', `/v1/dfsps/${dfspId}`, 201, {
      name: dfspId,
      connector: 'g2p-connect',
      baseUrl: urls[dfspId],
      payerFa: `account:9000000001@${dfspId}`,
      currencies: ['KES'],
      faTypes: ['account'],
      maxBatchSize,
      callbackSecret: secretOf(dfspId),
    });
  }
  await expectCall(service, 'admin', 'PUT', '/v1/routing-rules', 200, {
    rules: [
      {
        id: 'large-to-bank-a',
        when: { currency: 'KES', minAmount: '500.00' },
        route: [{ dfspId: 'bank-a', weight: 1 }],
        fallback: ['bank-b', 'mobile-x'],
      },
      {
        id: 'others',
        when: {},
        route: [
          { dfspId: 'bank-b', weight: 1 },
          { dfspId: 'mobile-x', weight: 1 },
        ],
        fallback: ['bank-a'],
      },
    ],
  });
}

export interface LoadedBatch {
  readonly batchId: string;
  readonly count: number;
  readonly totalMinor: bigint;
}

/**
 * Opens a CT-OVC batch for `cycleId`, adds `payments` (each for KES 10.00) and submits it; answers
 * the batch id and the payment ids in order.
 */
export async function submitTenShillingBatch(
  service: Reachable,
  cycleId: string,
  payments: readonly Readonly<Record<string, string>>[],
): Promise<{ batchId: string; paymentIds: string[] }> {
  const { batchId } = await expectCall<{ batchId: string }>(
    service,
    'operator',
    'POST',
    '/v1/batches',
    201,
    {
      programId: 'CT-OVC',
      cycleId,
      currency: 'KES',
      declaredCount: payments.length,
      declaredTotal: `${payments.length * 10}.00`,
    },
  );
  const added = await expectCall<{ payments: { paymentId: string }[] }>(
    service,
    'operator',
    'POST',
    `/v1/batches/${batchId}/payments`,
    200,
    payments.map((payment) => ({ ...payment, amount: '10.00' })),
  );
  await expectCall(service, 'operator', 'POST', `/v1/batches/${batchId}/submit`, 204);
  return { batchId, paymentIds: added.payments.map((payment) => payment.paymentId) };
}

/** Opens, fills (1,000 a request), submits and approves a batch of `count` KES payments. */
export async function loadAndApproveBatch(
  service: Reachable,
  count: number,
  prefix: string,
): Promise<LoadedBatch & { readonly approvedAtMs: number }> {
  const payments = Array.from({ length: count }, (_, n) => ({
    reference: `${prefix}-${n}`,
    beneficiaryId: `ben-${n}`,
    payeeFa: `account:${String(n).padStart(10, '0')}@bank-a`,
    payeeName: `Beneficiary ${n}`,
    amount: `${100 + (n % 900)}.${String(n % 100).padStart(2, '0')}`,
  }));
  return approveBatchOf(service, prefix, payments);
}

/**
 * Opens a batch of these KES payments for `cycleId` (its control totals theirs), fills it 1,000
 * a request, submits it as the operator and approves it as the approver.
 */
export async function approveBatchOf(
  service: Reachable,
  cycleId: string,
  payments: readonly { readonly amount: string }[],
): Promise<LoadedBatch & { readonly approvedAtMs: number }> {
  const count = payments.length;
  const totalMinor = payments.reduce(
    (sum, payment) => sum + BigInt(payment.amount.replace('.', '')),
    0n,
  );
  const declaredTotal = `${totalMinor / 100n}.${String(totalMinor % 100n).padStart(2, '0')}`;
  const { batchId } = await expectCall<{ batchId: string }>(
    service,
    'operator',
    'POST',
    '/v1/batches',
    201,
    { programId: 'CT-OVC', cycleId, currency: 'KES', declaredCount: count, declaredTotal },
  );
  for (let start = 0; start < count; start += 1_000) {
    const chunk = payments.slice(start, start + 1_000);
    await expectCall(service, 'operator', 'POST', `/v1/batches/${batchId}/payments`, 200, chunk);
  }
  await expectCall(service, 'operator', 'POST', `/v1/batches/${batchId}/submit`, 204);
  const approvedAtMs = Date.now();
  await expectCall(service, 'approver', 'POST', `/v1/batches/${batchId}/approve`, 204);
  return { batchId, count, totalMinor, approvedAtMs };
}

/** Every payment of a batch as the operator reads it, by payment id. */
export async function paymentsOfBatch(
  service: Reachable,
  batchId: string,
): Promise<Map<string, PaymentRow>> {
  const found = new Map<string, PaymentRow>();
  let cursor: string | null = null;
  do {
    const after: string = cursor === null ? '' : `&cursor=${cursor}`;
    const page = await expectCall<{ items: PaymentRow[]; nextCursor: string | null }>(
      service,
      'operator',
      'GET',
      `/v1/payments?batchId=${batchId}&limit=500${after}`,
      200,
    );
    for (const item of page.items) found.set(item.paymentId, item);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return found;
}

/** A payment as `GET /v1/payments` lists it, the fields the money checks read. */
export interface PaymentRow {
  readonly paymentId: string;
  readonly status: string;
  readonly statusReason: string | null;
  readonly dfspId: string | null;
  readonly inDoubt: boolean;
}

interface CountAndAmount {
  readonly count: number;
  readonly amount: string;
}

export interface BatchSummary {
  readonly byStatus: Record<string, CountAndAmount>;
  readonly byDfsp: readonly { dfspId: string; byStatus: Record<string, CountAndAmount> }[];
}

/** Waits until every payment of the batch is `succeeded` or `failed`; answers the summary. */
export async function waitUntilFinal(
  service: Reachable,
  batch: LoadedBatch,
  timeoutMs: number,
): Promise<BatchSummary> {
  let summary: BatchSummary | undefined;
  await eventually(
    async () => {
      const answer = await call(service, 'reporter', 'GET', `/v1/batches/${batch.batchId}`);
      // Not projected yet (the read model may lag the approval): look again.
      if (answer.status === 404) return false;
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      summary = answer.body as BatchSummary;
      const final =
        (summary.byStatus.succeeded?.count ?? 0) + (summary.byStatus.failed?.count ?? 0);
      return final === batch.count;
    },
    // Said when it times out, with the summary as it then stood.
    () =>
      `every payment of ${batch.batchId} succeeded or failed ` +
      `(last: ${JSON.stringify(summary?.byStatus)})`,
    timeoutMs,
  );
  return summary as BatchSummary;
}

/**
 * Waits until the batch is `completed`: the batch completer records it a round after every payment
 * is final, so a test that compares feed heads must wait for it too.
 */
export async function waitUntilCompleted(service: Reachable, batch: LoadedBatch): Promise<void> {
  await eventually(async () => {
    const answer = await call(service, 'reporter', 'GET', `/v1/batches/${batch.batchId}`);
    return (answer.body as { status?: string }).status === 'completed';
  }, 'the batch completed');
}

export interface LedgerEntry {
  readonly reference_id: string;
  readonly payee_fa: string;
  readonly amount: string;
  readonly currency: string;
}

/** What a simulator says it paid (`GET /ledger`). */
export async function simulatorLedger(url: string): Promise<readonly LedgerEntry[]> {
  const response = await fetch(`${url}/ledger`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { entries: LedgerEntry[] }).entries;
}

/**
 * The money checks: no reference paid twice by one DFSP or by two; every payment the ledger holds
 * as succeeded was paid by the DFSP it names, and nothing else was paid; the batch's succeeded
 * count and amount equal the simulators' ledgers summed; every failure carries a reason.
 */
export async function expectBooksAgree(
  service: Reachable,
  batch: LoadedBatch,
  urls: Readonly<Record<DfspId, string>>,
): Promise<{ readonly paidCount: number; readonly paidMinor: bigint }> {
  const paidBy = new Map<string, string>();
  let paidMinor = 0n;
  for (const dfspId of DFSP_IDS) {
    for (const entry of await simulatorLedger(urls[dfspId])) {
      const earlier = paidBy.get(entry.reference_id);
      expect(earlier, `${entry.reference_id} paid by ${earlier} and ${dfspId}`).toBeUndefined();
      paidBy.set(entry.reference_id, dfspId);
      paidMinor += BigInt(entry.amount.replace('.', ''));
    }
  }
  const summary = await expectCall<BatchSummary>(
    service,
    'reporter',
    'GET',
    `/v1/batches/${batch.batchId}`,
    200,
  );
  const succeeded = summary.byStatus.succeeded ?? { count: 0, amount: '0.00' };
  expect(succeeded.count).toBe(paidBy.size);
  expect(BigInt(succeeded.amount.replace('.', ''))).toBe(paidMinor);

  const ledgerPaid = new Map<string, string>();
  let cursor: string | null = null;
  do {
    const after: string = cursor ? `&cursor=${cursor}` : '';
    const query: string = `/v1/payments?batchId=${batch.batchId}&limit=500${after}`;
    const page = await expectCall<{
      items: { paymentId: string; status: string; dfspId: string; statusReason: string | null }[];
      nextCursor: string | null;
    }>(service, 'reporter', 'GET', query, 200);
    for (const payment of page.items) {
      if (payment.status === 'succeeded') ledgerPaid.set(payment.paymentId, payment.dfspId);
      if (payment.status === 'failed') expect(payment.statusReason).toBeTruthy();
    }
    cursor = page.nextCursor;
  } while (cursor !== null);
  expect(ledgerPaid).toEqual(paidBy);
  return { paidCount: paidBy.size, paidMinor };
}

/** A simulator in its own process (`npm run simulator`'s entry point, run from source). */
export interface SimulatorProcess {
  readonly dfspId: string;
  readonly url: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts a simulator process on a free loopback port with the given CLI flags. */
export async function spawnSimulator(
  dfspId: string,
  callbackUrl: string,
  flags: readonly string[] = [],
): Promise<SimulatorProcess> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/simulator/main.ts',
      '--port',
      '0',
      '--dfsp-id',
      dfspId,
      '--callback-url',
      callbackUrl,
      '--secret',
      secretOf(dfspId),
      ...flags,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, LOG_LEVEL: 'info' } },
  );
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { url?: string; msg?: string };
        if (entry.msg === 'dfsp simulator listening' && entry.url) resolve(entry.url);
      } catch {
        // not a log line
      }
    });
    child.once('exit', (code) => reject(new Error(`simulator ${dfspId} exited with ${code}`)));
  });
  return {
    dfspId,
    url,
    child,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** One entry of an on-disburse report. */
export interface DisbursementStatus {
  reference_id: string;
  status: 'rcvd' | 'pdng' | 'succ' | 'rjct';
  status_reason_code?: string;
  status_reason_message?: string;
}

/** An on-disburse body as the spec shapes it, as raw text (what is signed is what is sent). */
export function onDisburse(statuses: readonly DisbursementStatus[], from = 'bank-a'): string {
  const now = new Date().toISOString();
  return JSON.stringify({
    header: {
      version: '1.0.0',
      message_id: ulid(),
      message_ts: now,
      action: 'on-disburse',
      status: 'succ',
      total_count: statuses.length,
      completed_count: statuses.length,
      sender_id: from,
      receiver_id: 'g2p-ledger',
      is_msg_encrypted: false,
    },
    message: {
      transaction_id: ulid(),
      disbursements_status: statuses.map((status) => ({ timestamp: now, ...status })),
    },
  });
}
