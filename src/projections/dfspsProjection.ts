import type { RecordedEvent } from '../application/eventStore.js';
import type { Projection } from '../application/feedConsumer.js';
import type { SqlExecutor } from '../application/sqlDatabase.js';
import { assertNever } from '../domain/assertNever.js';
import {
  type DfspEvent,
  DfspHealthChanged,
  DfspRegistered,
  DfspResumed,
  DfspSuspended,
  DfspUpdated,
  dfspEvents,
} from '../domain/dfspEvents.js';

interface DfspRow {
  readonly dfspId: string;
  name: string;
  connector: string;
  baseUrl: string;
  payerFa: string;
  currencies: readonly string[];
  faTypes: readonly string[];
  maxAmount: string | null;
  maxBatchSize: number | null;
  status: 'active' | 'suspended';
  health: 'healthy' | 'unhealthy';
  readonly registeredAt: string;
  updatedAt: string;
}

/**
 * The `dfsps` read model: each DFSP's profile, whether it is in routing, and its health (the
 * dispatcher's circuit breaker). The secret's fingerprint stays in the event log: no reader of
 * this table needs it. Per batch of events, one query reads the DFSPs touched, the events are
 * folded into them in order in memory, and one statement writes them.
 */
export const dfspsProjection: Projection = {
  name: 'dfsps',
  filter: { eventTypes: dfspEvents.map((definition) => definition.type) },
  tables: ['dfsps'],
  async apply(tx, events) {
    const parsed = events.flatMap((event) => {
      const dfspEvent = parse(event);
      return dfspEvent === undefined ? [] : [{ dfspEvent, at: event.metadata.occurredAt }];
    });
    if (parsed.length === 0) return;
    const rows = await loadDfsps(tx, [...new Set(parsed.map((p) => p.dfspEvent.data.dfspId))]);
    for (const { dfspEvent, at } of parsed) fold(rows, dfspEvent, at);
    await tx.query(
      `INSERT INTO dfsps (dfsp_id, name, connector, base_url, payer_fa, currencies, fa_types,
         max_amount, max_batch_size, status, health, registered_at, updated_at)
       SELECT dfsp_id, name, connector, base_url, payer_fa, currencies, fa_types, max_amount,
         max_batch_size, status, health, registered_at, updated_at
       FROM json_to_recordset($1::json) AS r(dfsp_id text, name text, connector text,
         base_url text, payer_fa text, currencies text[], fa_types text[], max_amount text,
         max_batch_size integer, status text, health text, registered_at timestamptz,
         updated_at timestamptz)
       ON CONFLICT (dfsp_id) DO UPDATE SET name = excluded.name, connector = excluded.connector,
         base_url = excluded.base_url, payer_fa = excluded.payer_fa,
         currencies = excluded.currencies, fa_types = excluded.fa_types,
         max_amount = excluded.max_amount, max_batch_size = excluded.max_batch_size,
         status = excluded.status, health = excluded.health, updated_at = excluded.updated_at`,
      [JSON.stringify([...rows.values()].map(toColumns))],
    );
  },
};

function parse(event: RecordedEvent): DfspEvent | undefined {
  switch (event.type) {
    case DfspRegistered.type:
      return { type: DfspRegistered.type, data: DfspRegistered.schema.parse(event.data) };
    case DfspUpdated.type:
      return { type: DfspUpdated.type, data: DfspUpdated.schema.parse(event.data) };
    case DfspSuspended.type:
      return { type: DfspSuspended.type, data: DfspSuspended.schema.parse(event.data) };
    case DfspResumed.type:
      return { type: DfspResumed.type, data: DfspResumed.schema.parse(event.data) };
    case DfspHealthChanged.type:
      return { type: DfspHealthChanged.type, data: DfspHealthChanged.schema.parse(event.data) };
    default:
      return undefined;
  }
}

function fold(rows: Map<string, DfspRow>, event: DfspEvent, occurredAt: string): void {
  const { dfspId } = event.data;
  const row = rows.get(dfspId);
  switch (event.type) {
    case 'DfspRegistered': {
      if (row !== undefined) throw new Error(`DFSP ${dfspId} registered twice`);
      rows.set(dfspId, {
        ...profileOf(event.data),
        status: 'active',
        health: 'healthy',
        registeredAt: occurredAt,
      });
      return;
    }
    case 'DfspUpdated':
      Object.assign(registered(row, dfspId), profileOf(event.data));
      return;
    case 'DfspSuspended':
      Object.assign(registered(row, dfspId), { status: 'suspended', updatedAt: occurredAt });
      return;
    case 'DfspResumed':
      Object.assign(registered(row, dfspId), { status: 'active', updatedAt: occurredAt });
      return;
    case 'DfspHealthChanged':
      Object.assign(registered(row, dfspId), {
        health: event.data.health,
        updatedAt: occurredAt,
      });
      return;
    default:
      assertNever(event);
  }

  function profileOf(data: Extract<DfspEvent, { type: 'DfspUpdated' }>['data']) {
    return {
      dfspId: data.dfspId,
      name: data.name,
      connector: data.connector,
      baseUrl: data.baseUrl,
      payerFa: data.payerFa,
      currencies: data.currencies,
      faTypes: data.faTypes,
      maxAmount: data.maxAmount ?? null,
      maxBatchSize: data.maxBatchSize ?? null,
      updatedAt: occurredAt,
    };
  }
}

function registered(row: DfspRow | undefined, dfspId: string): DfspRow {
  if (row === undefined) throw new Error(`DFSP ${dfspId} has no row: events out of order?`);
  return row;
}

async function loadDfsps(tx: SqlExecutor, dfspIds: readonly string[]) {
  const { rows } = await tx.query<{
    dfsp_id: string;
    name: string;
    connector: string;
    base_url: string;
    payer_fa: string;
    currencies: string[];
    fa_types: string[];
    max_amount: string | null;
    max_batch_size: number | null;
    status: 'active' | 'suspended';
    health: 'healthy' | 'unhealthy';
    registered_at: string;
    updated_at: string;
  }>(
    `SELECT dfsp_id, name, connector, base_url, payer_fa, currencies, fa_types, max_amount,
       max_batch_size, status, health, registered_at::text AS registered_at,
       updated_at::text AS updated_at
     FROM dfsps WHERE dfsp_id = ANY($1::text[])`,
    [dfspIds],
  );
  return new Map(
    rows.map((row): [string, DfspRow] => [
      row.dfsp_id,
      {
        dfspId: row.dfsp_id,
        name: row.name,
        connector: row.connector,
        baseUrl: row.base_url,
        payerFa: row.payer_fa,
        currencies: row.currencies,
        faTypes: row.fa_types,
        maxAmount: row.max_amount,
        maxBatchSize: row.max_batch_size,
        status: row.status,
        health: row.health,
        registeredAt: row.registered_at,
        updatedAt: row.updated_at,
      },
    ]),
  );
}

function toColumns(row: DfspRow) {
  return {
    dfsp_id: row.dfspId,
    name: row.name,
    connector: row.connector,
    base_url: row.baseUrl,
    payer_fa: row.payerFa,
    currencies: row.currencies,
    fa_types: row.faTypes,
    max_amount: row.maxAmount,
    max_batch_size: row.maxBatchSize,
    status: row.status,
    health: row.health,
    registered_at: row.registeredAt,
    updated_at: row.updatedAt,
  };
}
