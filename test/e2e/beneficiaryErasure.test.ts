import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSealer } from '../../src/adapters/secrets/sealing.js';
import type { SqlExecutor } from '../../src/application/sqlDatabase.js';
import { loadConfig } from '../../src/config.js';
import { catchUpProjection, rebuildProjection } from '../../src/projections/projectionRunner.js';
import { projections } from '../../src/projections/projections.js';
import { masterKeyFor } from '../../src/secretsKey.js';
import { type RunningSimulator, startSimulator } from '../../src/simulator/simulator.js';
import { openStores } from '../../src/stores.js';
import { createScratchPostgres, databaseUrl, type ScratchPostgres } from '../support/databases.js';
import {
  callbackUrlOf,
  DFSP_IDS,
  type DfspId,
  FAST_DISPATCH,
  registerProgramme,
  secretOf,
  submitTenShillingBatch,
} from './disbursement.js';
import {
  call,
  eventually,
  expectCall,
  startTestService,
  TEST_SECRETS_KEY,
  type TestService,
} from './support.js';

/**
 * Crypto-shredding a beneficiary, end to end over HTTP against DFSP simulators: their name,
 * account and id are never in the event table, gone from the whole database once erased (a
 * `pg_dump` on Postgres; every table on PGlite), read as erased everywhere, their unsent payments
 * cancelled (unroutable ones, and a batch approved after the erasure), counts and amounts intact,
 * and a rebuild of the read models gives the same rows. Nothing personal is ever logged.
 */

const execFileAsync = promisify(execFile);

/** The beneficiary erased: strings that appear nowhere else. */
const ERASED_ONE = {
  beneficiaryId: 'NID-7731-0042-QX',
  payeeName: 'Wanjiru Kamau-Njeri',
  payeeFa: 'account:7731004299@bank-a',
  purpose: 'school fees for Wanjiru',
};
const ACCOUNT_DIGITS = '7731004299';
const PERSONAL = [ERASED_ONE.beneficiaryId, ERASED_ONE.payeeName, ACCOUNT_DIGITS, 'Wanjiru'];

/** Everyone else: kept whole. */
const KEPT_ONE = {
  beneficiaryId: 'NID-5500-1111-KP',
  payeeName: 'Otieno Barasa',
  payeeFa: 'account:5500111122@bank-a',
};

interface PaymentJson {
  readonly paymentId: string;
  readonly reference: string;
  readonly beneficiaryId: string;
  readonly payeeFa: string;
  readonly payeeName: string | null;
  readonly amount: string;
  readonly status: string;
}

describe('erasing a beneficiary', () => {
  let scratch: ScratchPostgres | undefined;
  let dataDir: string;
  let service: TestService;
  let simulators: RunningSimulator[] = [];
  const logLines: string[] = [];
  const settings = () =>
    scratch === undefined
      ? { ...FAST_DISPATCH, DATA_DIR: dataDir, LOG_LEVEL: 'debug' }
      : {
          ...FAST_DISPATCH,
          DATABASE_URL: scratch.url,
          SECRETS_KEY: TEST_SECRETS_KEY,
          LOG_LEVEL: 'debug',
        };

  /** The whole database as text: `pg_dump` on Postgres, every table's rows on PGlite. */
  async function databaseText(): Promise<string> {
    if (scratch !== undefined) {
      const { stdout } = await execFileAsync('pg_dump', ['--no-owner', scratch.url], {
        maxBuffer: 256 * 1024 * 1024,
      });
      return stdout;
    }
    return tablesText(service.stores.sql);
  }

  /** The event table alone, as text. */
  async function eventTableText(): Promise<string> {
    if (scratch !== undefined) {
      const { stdout } = await execFileAsync(
        'pg_dump',
        ['--no-owner', '--table=ledger_events', scratch.url],
        { maxBuffer: 256 * 1024 * 1024 },
      );
      return stdout;
    }
    const { rows } = await service.stores.sql.query('SELECT * FROM ledger_events');
    return JSON.stringify(rows);
  }

  /** Opens, fills, submits (and approves) a batch of KES 10.00 payments. */
  async function batchOf(
    payees: readonly Record<string, string>[],
    cycle: string,
    approve: boolean,
  ): Promise<{ batchId: string; paymentIds: string[] }> {
    const submitted = await submitTenShillingBatch(
      service,
      cycle,
      payees.map((payee, n) => ({ reference: `${cycle}-${n}`, ...payee })),
    );
    if (approve) {
      await expectCall(
        service,
        'approver',
        'POST',
        `/v1/batches/${submitted.batchId}/approve`,
        204,
      );
    }
    return submitted;
  }

  const payment = (paymentId: string) =>
    expectCall<PaymentJson>(service, 'operator', 'GET', `/v1/payments/${paymentId}`, 200);

  async function statusOf(paymentId: string): Promise<string | undefined> {
    const answer = await call(service, 'operator', 'GET', `/v1/payments/${paymentId}`);
    return answer.status === 200 ? (answer.body as PaymentJson).status : undefined;
  }

  const settled = (paymentIds: readonly string[], statuses: readonly string[]) =>
    eventually(
      async () => {
        const now = await Promise.all(paymentIds.map(statusOf));
        return now.every((status) => status !== undefined && statuses.includes(status));
      },
      `payments ${statuses.join(' or ')}`,
    );

  /** Every row of every table of the public schema, as text (PGlite has no pg_dump). */
  async function tablesText(sql: SqlExecutor): Promise<string> {
    const { rows: tables } = await sql.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables
       WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`,
    );
    const contents = await Promise.all(
      tables.map(async ({ name }) => (await sql.query(`SELECT * FROM "${name}"`)).rows),
    );
    return JSON.stringify(contents);
  }

  /** Every read-model row of the payments projection, in a stable order. */
  async function readModelRows(sql: SqlExecutor): Promise<string> {
    const tables = ['payments', 'batches', 'batch_payment_totals'];
    const rows = await Promise.all(
      tables.map(async (table) => {
        const { rows } = await sql.query(`SELECT * FROM ${table} ORDER BY 1, 2, 3`);
        return rows;
      }),
    );
    return JSON.stringify(rows);
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'g2p-erasure-'));
    if (databaseUrl) scratch = await createScratchPostgres();
    service = await startTestService(settings(), {
      logTo: { write: (line) => logLines.push(line) },
    });
    simulators = await Promise.all(
      DFSP_IDS.map((dfspId, index) =>
        startSimulator({
          dfspId,
          callbackUrl: callbackUrlOf(service, dfspId),
          secret: secretOf(dfspId),
          seed: 31 + index,
        }),
      ),
    );
    const urls = Object.fromEntries(DFSP_IDS.map((id, n) => [id, simulators[n]?.url])) as Record<
      DfspId,
      string
    >;
    await registerProgramme(service, urls);
  }, 60_000);

  afterAll(async () => {
    await service?.stop();
    await Promise.all(simulators.map((simulator) => simulator.close()));
    await scratch?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('shreds their data everywhere, cancels what was not sent, keeps every count and amount', async () => {
    // 1. Paid before the erasure: one payment each.
    const paid = await batchOf([ERASED_ONE, KEPT_ONE], 'paid', true);
    await settled(paid.paymentIds, ['succeeded']);
    // 2. Approved while no DFSP takes payments: unroutable, so not sent.
    for (const dfspId of DFSP_IDS) {
      await expectCall(service, 'admin', 'POST', `/v1/dfsps/${dfspId}/suspend`, 204, {});
    }
    const stuck = await batchOf([ERASED_ONE, KEPT_ONE], 'stuck', true);
    await settled(stuck.paymentIds, ['unroutable']);
    // 3. Submitted, not yet approved: its lines have no payment stream yet.
    const waiting = await batchOf([ERASED_ONE, KEPT_ONE], 'waiting', false);

    expect(await payment(paid.paymentIds[0] ?? '')).toMatchObject({
      beneficiaryId: ERASED_ONE.beneficiaryId,
      payeeName: ERASED_ONE.payeeName,
      payeeFa: ERASED_ONE.payeeFa,
    });
    const events = await eventTableText();
    for (const text of [...PERSONAL, KEPT_ONE.payeeName, '5500111122']) {
      expect(events, `${text} in the event table`).not.toContain(text);
    }
    // The read models hold them until the erasure: the search below does find what is there.
    expect(await databaseText()).toContain(ERASED_ONE.payeeName);
    await eventually(async () => {
      const batch = await call(service, 'reporter', 'GET', `/v1/batches/${paid.batchId}`);
      return (batch.body as { status?: string }).status === 'completed';
    }, 'the paid batch completed');
    const paidBefore = await expectCall(
      service,
      'reporter',
      'GET',
      `/v1/batches/${paid.batchId}`,
      200,
    );

    const erased = await expectCall<{ beneficiaryKey: string; cancelledPayments: number }>(
      service,
      'admin',
      'POST',
      `/v1/beneficiaries/${ERASED_ONE.beneficiaryId}/erase`,
      200,
      { reason: 'erasure request 2026-117' },
    );
    expect(erased.cancelledPayments).toBe(1);
    await expectCall(
      service,
      'admin',
      'POST',
      `/v1/beneficiaries/${ERASED_ONE.beneficiaryId}/erase`,
      404,
      {
        reason: 'again',
      },
    );

    // Paid stays paid, its personal data erased; the other beneficiary's untouched.
    await eventually(
      async () => (await payment(paid.paymentIds[0] ?? '')).payeeFa === '[erased]',
      'the read model erased',
    );
    expect(await payment(paid.paymentIds[0] ?? '')).toMatchObject({
      beneficiaryId: '[erased]',
      payeeFa: '[erased]',
      payeeName: null,
      amount: '10.00',
      status: 'succeeded',
    });
    expect(await payment(paid.paymentIds[1] ?? '')).toMatchObject(KEPT_ONE);
    expect(
      await expectCall(service, 'reporter', 'GET', `/v1/batches/${paid.batchId}`, 200),
    ).toEqual(paidBefore);
    // The history: erased for the auditor too, the erasure recorded under the key only.
    const history = await expectCall<{ events: { type: string; data: Record<string, unknown> }[] }>(
      service,
      'auditor',
      'GET',
      `/v1/payments/${paid.paymentIds[0]}/events`,
      200,
    );
    expect(history.events[0]?.data).toMatchObject({
      beneficiaryId: '[erased]',
      payeeFa: '[erased]',
    });
    expect(history.events[0]?.data).not.toHaveProperty('payeeName');
    const feed = await expectCall<{ events: { data: unknown }[] }>(
      service,
      'auditor',
      'GET',
      '/v1/events?type=BeneficiaryErased',
      200,
    );
    expect(feed.events.map((event) => event.data)).toEqual([
      { beneficiaryKey: erased.beneficiaryKey, by: 'user:ada', reason: 'erasure request 2026-117' },
    ]);

    // Unsent payments: cancelled now (unroutable), or at approval (the batch approved after).
    await settled([stuck.paymentIds[0] ?? ''], ['cancelled']);
    for (const dfspId of DFSP_IDS) {
      await expectCall(service, 'admin', 'POST', `/v1/dfsps/${dfspId}/resume`, 204);
    }
    await expectCall(service, 'approver', 'POST', `/v1/batches/${waiting.batchId}/approve`, 204);
    await settled([stuck.paymentIds[1] ?? '', waiting.paymentIds[1] ?? ''], ['succeeded']);
    await settled([waiting.paymentIds[0] ?? ''], ['cancelled']);
    const paidByDfsps = (
      await Promise.all(
        simulators.map(async (simulator) => {
          const response = await fetch(`${simulator.url}/ledger`);
          return ((await response.json()) as { entries: { reference_id: string }[] }).entries;
        }),
      )
    )
      .flat()
      .map((entry) => entry.reference_id);
    expect(paidByDfsps.sort()).toEqual(
      [paid.paymentIds[0], paid.paymentIds[1], stuck.paymentIds[1], waiting.paymentIds[1]].sort(),
    );

    // Nothing of theirs anywhere in the database; the other beneficiary's data still there.
    const dump = await databaseText();
    for (const text of PERSONAL) expect(dump, `${text} in the database`).not.toContain(text);
    expect(dump).toContain(KEPT_ONE.payeeName);
    // Nor in any log line, before or after.
    const logs = logLines.join('');
    expect(logLines.length).toBeGreaterThan(10);
    for (const text of [...PERSONAL, KEPT_ONE.payeeName, '5500111122', KEPT_ONE.beneficiaryId]) {
      expect(logs, `${text} in the logs`).not.toContain(text);
    }
  }, 120_000);

  it('rebuilds the read models to the same rows after the erasure', async () => {
    await service.stop();
    const config = loadConfig(settings());
    const sealer = createSealer((await masterKeyFor(config)).key);
    const { stores } = await openStores(config, sealer);
    try {
      // What the projector had not applied yet when the service stopped.
      for (const projection of projections) {
        await catchUpProjection(stores.events, stores.sql, projection);
      }
      const live = await readModelRows(stores.sql);
      expect(live).toContain('[erased]');
      for (const projection of projections) {
        await rebuildProjection(stores.events, stores.sql, projection);
      }
      expect(await readModelRows(stores.sql)).toBe(live);
    } finally {
      await stores.close();
      // The service starts again on the same data, for afterAll to stop.
      service = await startTestService({ ...settings(), LOG_LEVEL: 'silent' });
    }
  }, 60_000);
});
