import { ulid } from 'ulid';
import { formatAmount, parseAmount } from '../domain/money.js';

/**
 * The programme `npm run demo` pays, as an API client sees it: three DFSPs, each speaking another
 * protocol (bank-a G2P Connect, bank-b the Mojaloop SDK, the mobile-money provider M-Pesa Daraja
 * B2C), connected by registration alone; the routing rules that split payments between them; a
 * batch of generated KES payments (the same on every run); and what the demo reads back: the
 * batch summary and the simulators' ledgers. Everything goes over the HTTP API v1.
 */

export const DEMO_CURRENCY = 'KES';

/** A simulated DFSP of the demo: its id, display name and the financial-address types it serves. */
export interface DemoDfsp {
  readonly dfspId: string;
  readonly name: string;
  readonly faTypes: readonly string[];
  /** What its simulator speaks, and so how the ledger is connected to it. */
  readonly protocol: 'g2p-connect' | 'mojaloop-sdk' | 'mpesa-b2c';
}

export const DEMO_DFSPS: readonly DemoDfsp[] = [
  { dfspId: 'bank-a', name: 'Bank A', faTypes: ['account'], protocol: 'g2p-connect' },
  { dfspId: 'bank-b', name: 'Bank B', faTypes: ['account'], protocol: 'mojaloop-sdk' },
  { dfspId: 'mobile-money', name: 'Mobile Money', faTypes: ['mobile'], protocol: 'mpesa-b2c' },
];

/** The Daraja app's consumer key the M-Pesa simulator is started with. */
export const DEMO_CONSUMER_KEY = 'g2p-ledger-demo';

/**
 * Wallets to the mobile-money provider; account payments of 10,000.00 KES or more to bank-a
 * (bank-b when bank-a cannot take them); other account payments split evenly between the banks.
 */
const ROUTING_RULES = [
  { id: 'wallets', when: { faTypes: ['mobile'] }, route: [{ dfspId: 'mobile-money', weight: 1 }] },
  {
    id: 'large-accounts',
    when: { currency: DEMO_CURRENCY, minAmount: '10000.00', faTypes: ['account'] },
    route: [{ dfspId: 'bank-a', weight: 1 }],
    fallback: ['bank-b'],
  },
  {
    id: 'accounts',
    when: { faTypes: ['account'] },
    route: [
      { dfspId: 'bank-a', weight: 1 },
      { dfspId: 'bank-b', weight: 1 },
    ],
  },
];

/** The most payments the dispatcher sends a DFSP in one `/disburse`. */
const MAX_BATCH_SIZE = 500;
const PAYMENTS_PER_REQUEST = 1_000;

export type Role = 'admin' | 'operator' | 'approver' | 'reporter';

/** Who holds each role: the operator who submits and the approver are different people. */
export const PEOPLE: Readonly<Record<Role, string>> = {
  admin: 'ada',
  operator: 'olive',
  approver: 'abel',
  reporter: 'rita',
};

/** A JSON call to the service as a role, expecting one status; answers the parsed body. */
export type ApiCall = <T = unknown>(
  role: Role,
  method: string,
  path: string,
  expectedStatus: number,
  body?: unknown,
) => Promise<T>;

/** An {@link ApiCall} on the service at `baseUrl` with a bearer token per role. */
export function createClient(
  baseUrl: string,
  tokens: Readonly<Record<Role, string>>,
  signal: AbortSignal,
): ApiCall {
  return async <T>(
    role: Role,
    method: string,
    path: string,
    expectedStatus: number,
    body?: unknown,
  ) => {
    const send = () =>
      fetch(`${baseUrl}${path}`, {
        method,
        signal,
        headers: {
          authorization: `Bearer ${tokens[role]}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    // A kept-alive connection the server closed just as it was reused fails before an answer:
    // send once more. Every call made here is idempotent (the batch id is the client's).
    const response = await send().catch((error: unknown) => {
      if (signal.aborted) throw error;
      return send();
    });
    const text = await response.text();
    if (response.status !== expectedStatus) {
      throw new Error(
        `${method} ${path} answered ${response.status} (expected ${expectedStatus}): ` +
          text.slice(0, 1_000),
      );
    }
    return (text === '' ? undefined : JSON.parse(text)) as T;
  };
}

/**
 * Registers a demo DFSP whose simulator listens on `baseUrl`: G2P Connect signing with
 * `callbackSecret` (at most `maxBatchSize` payments a request), or a shipped profile (one payment
 * a request) with the credentials its protocol needs.
 */
export async function registerDfsp(
  api: ApiCall,
  dfsp: DemoDfsp,
  baseUrl: string,
  callbackSecret: string,
  maxBatchSize = MAX_BATCH_SIZE,
  consumerSecret = '',
): Promise<void> {
  await api('admin', 'PUT', `/v1/dfsps/${dfsp.dfspId}`, 201, {
    name: dfsp.name,
    ...connectionOf(dfsp, baseUrl, consumerSecret),
    baseUrl,
    payerFa: `account:9000000001@${dfsp.dfspId}`,
    currencies: [DEMO_CURRENCY],
    faTypes: dfsp.faTypes,
    maxBatchSize,
    callbackSecret,
  });
}

/** The connector, profile and credentials of a demo DFSP, by the protocol it speaks. */
function connectionOf(dfsp: DemoDfsp, baseUrl: string, consumerSecret: string) {
  switch (dfsp.protocol) {
    case 'g2p-connect':
      return { connector: 'g2p-connect' };
    case 'mojaloop-sdk':
      return { connector: 'mapped-http', profile: 'mojaloop-sdk' };
    case 'mpesa-b2c':
      return {
        connector: 'mapped-http',
        profile: 'mpesa-b2c',
        parameters: { shortcode: '600100', initiatorName: 'g2p-ledger-api' },
        credentials: {
          auth: {
            kind: 'oauth2-client-credentials',
            tokenUrl: `${baseUrl}/oauth/v1/generate`,
            method: 'GET',
            clientId: DEMO_CONSUMER_KEY,
            clientSecret: consumerSecret,
          },
          // The simulator takes any SecurityCredential; a real one is $rsaEncrypt's.
          secrets: { securityCredential: Buffer.from('demo-initiator').toString('base64') },
        },
      };
  }
}

/** Publishes the demo's rules (every DFSP must be registered); answers the rule ids and version. */
export async function publishRules(
  api: ApiCall,
  rules: readonly { readonly id: string }[] = ROUTING_RULES,
): Promise<string> {
  const body = { rules };
  const { version } = await api<{ version: number }>(
    'admin',
    'PUT',
    '/v1/routing-rules',
    200,
    body,
  );
  return `v${version}: ${rules.map((rule) => rule.id).join(', ')}`;
}

/**
 * Opens a batch of `count` payments as the operator, adds them 1,000 a request and submits it.
 * Three payments in ten go to a mobile wallet, the rest to a bank account; amounts spread from
 * 500.00 to 9,999.99 KES, and one payment in twenty is large (10,000.00 to 19,999.99).
 */
export async function loadBatch(
  api: ApiCall,
  count: number,
  /** `only`: every payment to a wallet (whole shillings), for a mobile-money provider alone. */
  wallets: 'some' | 'only' = 'some',
): Promise<{ readonly batchId: string; readonly totalMinor: bigint }> {
  const cycleId = new Date().toISOString().slice(0, 7);
  let totalMinor = 0n;
  const payments = Array.from({ length: count }, (_, n) => {
    const wallet = wallets === 'only' || n % 10 < 3;
    const drawn = BigInt(mix32(n) % 950_000) + (n % 20 === 19 ? 1_000_000n : 50_000n);
    // M-Pesa B2C pays whole shillings.
    const amountMinor = wallet ? drawn - (drawn % 100n) : drawn;
    totalMinor += amountMinor;
    const serial = String(n).padStart(8, '0');
    // Wallet numbers without "+": the ledger takes one, the simulator's address check does not.
    const payeeFa = wallet
      ? `mobile:2547${serial}@mobile-money`
      : `account:1${serial}@${n % 2 === 0 ? 'bank-a' : 'bank-b'}`;
    return {
      reference: `${cycleId}-${String(n).padStart(5, '0')}`,
      beneficiaryId: `BEN-${serial}`,
      payeeFa,
      payeeName: `Beneficiary ${n}`,
      amount: formatAmount(amountMinor, DEMO_CURRENCY),
      region: `KE-${String(1 + (n % 47)).padStart(2, '0')}`, // Kenya's 47 counties
    };
  });
  const { batchId } = await api<{ batchId: string }>('operator', 'POST', '/v1/batches', 201, {
    batchId: ulid(),
    programId: 'CT-OVC',
    cycleId,
    currency: DEMO_CURRENCY,
    declaredCount: count,
    declaredTotal: formatAmount(totalMinor, DEMO_CURRENCY),
    description: 'npm run demo',
  });
  for (let start = 0; start < count; start += PAYMENTS_PER_REQUEST) {
    const chunk = payments.slice(start, start + PAYMENTS_PER_REQUEST);
    await api('operator', 'POST', `/v1/batches/${batchId}/payments`, 200, chunk);
  }
  await api('operator', 'POST', `/v1/batches/${batchId}/submit`, 204);
  return { batchId, totalMinor };
}

/** A well-spread unsigned 32-bit hash of `n` (murmur3's finalizer): repeatable "random" amounts. */
function mix32(n: number): number {
  let x = Math.imul(n ^ 0x9e3779b9, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

interface CountAndAmount {
  readonly count: number;
  readonly amount: string;
}
type ByStatus = Readonly<Partial<Record<string, CountAndAmount>>>;

/** The parts of `GET /v1/batches/{batchId}` the demo reads. */
export interface BatchSummary {
  readonly batchId: string;
  readonly status: string;
  readonly byStatus: ByStatus;
  readonly byDfsp: readonly { readonly dfspId: string; readonly byStatus: ByStatus }[];
}

/** Payments of the batch that are `succeeded` or `failed`. */
export const finalCount = (summary: BatchSummary) =>
  (summary.byStatus.succeeded?.count ?? 0) + (summary.byStatus.failed?.count ?? 0);

/** Prints count and amount per payment status, then per DFSP and status. */
export function printSummary(summary: BatchSummary): void {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const row = (first: string, second: string, entry: CountAndAmount) =>
    `  ${first.padEnd(14)}${second.padEnd(12)}` +
    `${formatCount(entry.count).padStart(8)}${formatMoney(minor(entry.amount)).padStart(18)}`;
  const heading = (title: string) =>
    `  ${title.padEnd(26)}${'count'.padStart(8)}${`amount ${DEMO_CURRENCY}`.padStart(18)}`;
  out(`\nbatch ${summary.batchId}: ${summary.status}`);
  out(heading('by status'));
  let total = { count: 0, amountMinor: 0n };
  for (const [status, entry] of nonEmpty(summary.byStatus)) {
    out(row(status, '', entry));
    total = {
      count: total.count + entry.count,
      amountMinor: total.amountMinor + minor(entry.amount),
    };
  }
  const totalAmount = formatAmount(total.amountMinor, DEMO_CURRENCY);
  out(row('total', '', { count: total.count, amount: totalAmount }));
  out(`\n${heading('by DFSP')}`);
  for (const dfsp of summary.byDfsp) {
    nonEmpty(dfsp.byStatus).forEach(([status, entry], index) => {
      out(row(index === 0 ? dfsp.dfspId : '', status, entry));
    });
  }
}

/**
 * The cross-check that matters for money: what the simulators' ledgers (`GET {url}/ledger`) say
 * they paid, summed, equals the batch's succeeded count and amount, and no reference was paid
 * twice. Prints the outcome; answers whether the books agree.
 */
export async function checkBooks(
  summary: BatchSummary,
  simulatorUrls: readonly string[],
  signal: AbortSignal,
): Promise<boolean> {
  const paid = new Set<string>();
  let paidTwice = 0;
  let paidMinor = 0n;
  for (const url of simulatorUrls) {
    const response = await fetch(`${url}/ledger`, { signal });
    if (!response.ok) throw new Error(`GET ${url}/ledger answered ${response.status}`);
    const ledger = (await response.json()) as {
      entries: { reference_id: string; amount: string; currency: string }[];
    };
    for (const entry of ledger.entries) {
      if (paid.has(entry.reference_id)) paidTwice += 1;
      paid.add(entry.reference_id);
      paidMinor += parseAmount(entry.amount, entry.currency);
    }
  }
  const paidCount = paid.size + paidTwice;
  const succeeded = summary.byStatus.succeeded ?? { count: 0, amount: '0' };
  const countDiff = paidCount - succeeded.count;
  const amountDiff = paidMinor - minor(succeeded.amount);
  const agree = countDiff === 0 && amountDiff === 0n && paidTwice === 0;
  const paidText = `${formatCount(paidCount)} payments, ${formatMoney(paidMinor)} ${DEMO_CURRENCY}`;
  process.stdout.write(
    agree
      ? `books agree: the simulators paid ${paidText}, what the ledger holds as succeeded\n`
      : `books DIFFER: the simulators paid ${paidText}; the ledger holds ` +
          `${formatCount(succeeded.count)} succeeded, ${succeeded.amount} ${DEMO_CURRENCY} ` +
          `(difference ${countDiff} payments, ${formatMoney(amountDiff)} ${DEMO_CURRENCY}); ` +
          `references paid twice: ${paidTwice}\n`,
  );
  return agree;
}

/** A count with thousands separators: 10000 → "10,000". */
export const formatCount = (n: number) => n.toLocaleString('en');

/** KES minor units with thousands separators: 1234567n → "12,345.67". */
export const formatMoney = (amountMinor: bigint) =>
  formatAmount(amountMinor, DEMO_CURRENCY).replace(/\B(?=(\d{3})+\.)/g, ',');

/** An API amount in minor units; the API writes zero as "0.00", which parseAmount refuses. */
const minor = (amount: string) =>
  /^0(\.0+)?$/.test(amount) ? 0n : parseAmount(amount, DEMO_CURRENCY);

const nonEmpty = (byStatus: ByStatus) =>
  Object.entries(byStatus).filter(
    (pair): pair is [string, CountAndAmount] => (pair[1]?.count ?? 0) > 0,
  );
