import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Hono } from 'hono';
import { Registry } from 'prom-client';
import { createCallbackIntake } from './adapters/dfsp/callbackIntake.js';
import { createSignatureAuthenticator } from './adapters/dfsp/callbackSignature.js';
import { createDfspConnections } from './adapters/dfsp/dfspConnections.js';
import { createDfspTrial } from './adapters/dfsp/dfspTrial.js';
import { createDispatcher } from './adapters/dfsp/dispatcher.js';
import { createDispatchMetrics } from './adapters/dfsp/dispatchMetrics.js';
import { createG2pConnectConnector } from './adapters/dfsp/g2pConnect.js';
import type { FetchFunction } from './adapters/dfsp/httpExchange.js';
import { createBankInbox } from './adapters/dfsp/iso20022/bankInbox.js';
import { createConnectionCatalogue } from './adapters/dfsp/mapped/catalogue.js';
import { SHIPPED_PROFILES } from './adapters/dfsp/mapped/shippedProfiles.js';
import { createTokenCache } from './adapters/dfsp/outboundAuth.js';
import { createStatusPoller } from './adapters/dfsp/statusPoller.js';
import { createG2pConnectIdMapper } from './adapters/idMapper/g2pConnectIdMapper.js';
import { createOidcVerifier } from './adapters/oidc/jwtVerifier.js';
import { createDfspSecrets, sealPlaintextSecrets } from './adapters/postgres/dfspSecrets.js';
import { createFileExchangeJournal } from './adapters/postgres/fileExchangeJournal.js';
import { createSeenSignatures } from './adapters/postgres/seenSignatures.js';
import { createWebhookSubscriptions } from './adapters/postgres/webhookSubscriptions.js';
import { createSealer, type Sealer } from './adapters/secrets/sealing.js';
import { createStatementReader } from './adapters/statements/statementReader.js';
import { createDeliveryState } from './adapters/webhooks/deliveryState.js';
import { createWebhookDelivery } from './adapters/webhooks/webhookDelivery.js';
import { createBatchCompleter } from './application/batchCompleter.js';
import { batchProcessor } from './application/batchProcessor.js';
import { completeRecordedErasures } from './application/beneficiaryErasure.js';
import type { DfspConnector } from './application/dfspConnector.js';
import { callbackSecretInForce, connectionInForce } from './application/dfspSecrets.js';
import type { EventStore } from './application/eventStore.js';
import { createLedgerCommands } from './application/ledger.js';
import type { LedgerCommands } from './application/ledgerCommands.js';
import type { Logger } from './application/logger.js';
import { paymentAsOf } from './application/paymentHistory.js';
import { programmeCommands } from './application/programmeCommands.js';
import type { ReadModelQueries } from './application/readModels.js';
import { importStatementFile } from './application/statementFiles.js';
import { type Config, publicUrlOf } from './config.js';
import type { DfspUrlPolicy } from './domain/dfspUrlPolicy.js';
import { createApp } from './http/app.js';
import { parseApiTokens } from './http/auth.js';
import { createDfspTransactionIndex } from './projections/dfspTransactionIndex.js';
import { createProgrammeReferences } from './projections/programmeReferences.js';
import { projections } from './projections/projections.js';
import { createReadModelQueries } from './projections/readModelQueries.js';
import { masterKeyFor } from './secretsKey.js';
import { openStores, type Stores } from './stores.js';
import { superviseFeedConsumers } from './supervisor.js';

export interface Service {
  readonly app: Hono;
  readonly stores: Stores;
  readonly migrationsApplied: readonly string[];
  /** Stops the roles and closes the stores. */
  stop(): Promise<void>;
}

/**
 * Assembles the service for a configuration: opens and migrates the stores, starts the
 * background roles it names (`projector` keeps the read models current, `dispatcher` runs the
 * batch processor) and builds the HTTP application. `main.ts` serves the app; tests drive it with
 * `app.request`.
 */
export async function startService(
  config: Config,
  apiTokens: string,
  logger: Logger,
): Promise<Service> {
  const tokens = parseApiTokens(apiTokens);
  const sealer = await sealerFor(config, logger);
  const { stores, applied } = await openStores(config, sealer);
  try {
    const sealed = await sealPlaintextSecrets(stores.sql, sealer);
    if (sealed > 0) logger.info({ sealed }, 'DFSP secrets kept in plaintext before were sealed');
    const completed = await completeRecordedErasures(stores.events, stores.personalData);
    if (completed > 0) logger.warn({ completed }, 'erasures recorded but not completed are done');
  } catch (error) {
    await stores.close();
    throw error;
  }
  const queries = createReadModelQueries(stores.sql);
  const secrets = createDfspSecrets(stores.sql, sealer);
  const catalogue = createConnectionCatalogue(SHIPPED_PROFILES);
  const fileJournal = createFileExchangeJournal(stores.sql);
  const statements = createStatementReader();
  const connections = createDfspConnections({
    connectionOf: connectionInForce(stores.events, secrets),
    catalogue,
    g2pConnect: (fetch) => connectorFor(config, fetch),
    publicUrl: publicUrlOf(config),
    timeoutMs: config.DFSP_TIMEOUT_MS,
    tokens: createTokenCache(),
    transactionIndex: createDfspTransactionIndex(stores.sql),
    fileJournal,
    fileRenameDelayMs: config.FILE_RENAME_DELAY_MS,
  });
  const commands = createLedgerCommands({
    store: stores.events,
    secrets,
    connections: catalogue,
    personalData: stores.personalData,
    unsentPaymentsOf: (beneficiaryKey) => queries.listUnsentPaymentIdsOf(beneficiaryKey),
    maxAttemptsPerRoute: config.DISPATCH_MAX_ATTEMPTS,
    succeededPayments: (query) => queries.listSucceededPayments(query),
    dfspUrlPolicy: urlPolicyOf(config),
  });
  const programmes = programmeCommands(stores.events, secrets, urlPolicyOf(config));
  const registry = new Registry();
  const shutdown = new AbortController();
  const roles: Promise<unknown>[] = [];
  const background = { batchSize: config.PROJECTION_BATCH_SIZE, signal: shutdown.signal };
  if (config.ROLES.includes('projector')) {
    roles.push(
      superviseFeedConsumers(stores, projections, {
        ...background,
        logger: logger.child({ role: 'projector' }),
      }),
    );
  }
  if (config.ROLES.includes('dispatcher')) {
    const dispatcherLogger = logger.child({ role: 'dispatcher' });
    const idMapper = createG2pConnectIdMapper({
      mapperOf: (programId) => programmes.idMapperOf(programId),
      timeoutMs: config.DFSP_TIMEOUT_MS,
      senderId: config.SENDER_ID,
    });
    const processor = batchProcessor(stores.events, queries, idMapper);
    roles.push(
      superviseFeedConsumers(stores, [processor], { ...background, logger: dispatcherLogger }),
      createBankInbox({
        fileDfsps: () => fileDfspIds(queries),
        connectorOf: async (dfspId) => {
          const connected = await connections.connectedDfsp(dfspId);
          return connected?.kind === 'iso20022-files' ? connected.connector : undefined;
        },
        journal: fileJournal,
        applyStatusReports: (dfspId, reports, source, context) =>
          commands.applyStatusReports(dfspId, reports, source, context),
        importStatementFile: (dfspId, bytes, context) =>
          importStatementFile({ statements, commands }, dfspId, bytes, context),
        logger: dispatcherLogger.child({ loop: 'bank-inbox' }),
      }).run(shutdown.signal),
      startWebhookDelivery(config, stores, sealer, dispatcherLogger, shutdown.signal),
      ...startDispatch(
        config,
        { store: stores.events, queries, commands, connector: connections.connector },
        dispatcherLogger,
        {
          signal: shutdown.signal,
          registry,
        },
      ),
    );
  }
  const app = createApp({
    commands,
    queries,
    events: stores.events,
    tokens,
    accessTokens: oidcVerifierFor(config),
    metricsToken: config.METRICS_TOKEN,
    logger,
    checkReady: () => stores.checkReady(),
    replay: (paymentId, asOf) => paymentAsOf(stores.events, paymentId, asOf),
    dfspAuthenticator: createSignatureAuthenticator(
      callbackSecretInForce(stores.events, secrets),
      createSeenSignatures(stores.sql),
    ),
    statusCallbacks: connectorFor(config),
    callbackIntake: createCallbackIntake(connections, createSeenSignatures(stores.sql)),
    dfspTrial: createDfspTrial(connections, { timeoutMs: config.DFSP_TIMEOUT_MS }),
    statements,
    fileJournal,
    registry,
    webhooks: {
      subscriptions: createWebhookSubscriptions(stores.sql, sealer),
      urlPolicy: urlPolicyOf(config),
    },
    programmeReferences: createProgrammeReferences(stores.sql),
    programmes,
  });
  return {
    app,
    stores,
    migrationsApplied: applied,
    async stop() {
      shutdown.abort();
      await Promise.allSettled(roles);
      await stores.close();
    },
  };
}

/** Where the ledger may send requests: DFSPs, ID mappers and webhook subscribers. */
function urlPolicyOf(config: Config): DfspUrlPolicy {
  return {
    allowInsecure: config.ALLOW_INSECURE_DFSP_URLS,
    hostAllowlist: config.DFSP_HOST_ALLOWLIST,
  };
}

/** The sealer of secrets at rest, under the master key the configuration selects. */
async function sealerFor(config: Config, logger: Logger): Promise<Sealer> {
  const masterKey = await masterKeyFor(config);
  const sealer = createSealer(masterKey.key);
  const file = masterKey.file === undefined ? {} : { file: masterKey.file };
  logger.info(
    { keySource: masterKey.source, keyId: sealer.keyId, ...file },
    'secrets sealed under the master key',
  );
  return sealer;
}

/**
 * The dispatcher role's webhook loop: each enabled subscription follows the feed from its own
 * checkpoint, leased to one process at a time (a lease of 30 s, renewed every round).
 */
function startWebhookDelivery(
  config: Config,
  stores: Stores,
  sealer: Sealer,
  logger: Logger,
  signal: AbortSignal,
): Promise<void> {
  const owner = `${hostname()}:${process.pid}:${randomUUID()}`;
  const leaseMs = 30_000;
  return createWebhookDelivery({
    store: stores.events,
    state: createDeliveryState(stores.sql, sealer, { owner, leaseMs }),
    logger: logger.child({ loop: 'webhooks' }),
    settings: {
      timeoutMs: config.WEBHOOK_TIMEOUT_MS,
      maxInFlight: config.WEBHOOK_CONCURRENCY,
      retryBaseMs: config.WEBHOOK_RETRY_BASE_MS,
      retryMaxMs: config.WEBHOOK_RETRY_MAX_MS,
      giveUpAfterMs: 3 * 86_400_000,
      pageSize: 500,
      idlePollMs: 200,
      leaseMs,
    },
  }).run(signal);
}

/** How often the dispatcher role looks for batches whose payments are all final. */
const BATCH_COMPLETION_INTERVAL_MS = 2_000;

/**
 * The dispatcher role's loops: the dispatcher sending routed payments, the status poller asking
 * DFSPs about payments left `submitted`, and the batch completer.
 */
function startDispatch(
  config: Config,
  deps: {
    store: EventStore;
    queries: ReadModelQueries;
    commands: LedgerCommands;
    /** Each DFSP's own connector, as its registration configures it. */
    connector: Pick<DfspConnector, 'submit' | 'queryStatus'>;
  },
  logger: Logger,
  options: { signal: AbortSignal; registry: Registry },
): Promise<void>[] {
  if (config.DISPATCH_PAUSED) {
    logger.warn('DISPATCH_PAUSED: routed payments wait; nothing is sent to DFSPs');
    return [];
  }
  const { connector } = deps;
  const publicUrl = publicUrlOf(config);
  const metrics = createDispatchMetrics(options.registry);
  const dispatcher = createDispatcher({
    store: deps.store,
    workQueue: deps.queries,
    connector,
    applyStatusReports: (dfspId, reports, source, context) =>
      deps.commands.applyStatusReports(dfspId, reports, source, context),
    logger,
    metrics,
    callbackUrl: (dfspId) => `${publicUrl}/v1/dfsps/${encodeURIComponent(dfspId)}/on-disburse`,
    settings: {
      concurrencyPerDfsp: config.DISPATCH_CONCURRENCY,
      maxAttemptsPerRoute: config.DISPATCH_MAX_ATTEMPTS,
      retryBaseMs: config.DISPATCH_RETRY_BASE_MS,
      retryMaxMs: config.DISPATCH_RETRY_MAX_MS,
      dfspTimeoutMs: config.DFSP_TIMEOUT_MS,
      maxPaymentsPerRound: 5_000,
      idlePollMs: 200,
      circuit: {
        failureThreshold: config.CIRCUIT_FAILURE_THRESHOLD,
        cooldownMs: config.CIRCUIT_COOLDOWN_MS,
        maxCooldownMs: Math.max(config.CIRCUIT_COOLDOWN_MS, 300_000),
      },
    },
  });
  const poller = createStatusPoller({
    workQueue: deps.queries,
    commands: deps.commands,
    connector,
    logger: logger.child({ loop: 'status-poller' }),
    metrics,
    settings: {
      pollAfterMs: config.STATUS_POLL_AFTER_MS,
      intervalMs: config.STATUS_POLL_INTERVAL_MS,
      maxPerRound: 10_000,
      dfspTimeoutMs: config.DFSP_TIMEOUT_MS,
    },
  });
  const completer = createBatchCompleter({
    ...deps,
    logger: logger.child({ loop: 'batch-completer' }),
    intervalMs: BATCH_COMPLETION_INTERVAL_MS,
  });
  return [
    dispatcher.run(options.signal),
    poller.run(options.signal),
    completer.run(options.signal),
  ];
}

/** The DFSPs registered with the `iso20022-files` connector (suspended ones too: they still report). */
async function fileDfspIds(queries: ReadModelQueries): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await queries.listDfsps({
      limit: 200,
      ...(cursor === undefined ? {} : { cursor }),
    });
    ids.push(
      ...page.items.filter((dfsp) => dfsp.connector === 'iso20022-files').map((d) => d.dfspId),
    );
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return ids;
}

/** The OpenID provider's token verifier when `OIDC_ISSUER` is set (with `OIDC_AUDIENCE`). */
function oidcVerifierFor(config: Config) {
  if (config.OIDC_ISSUER === undefined || config.OIDC_AUDIENCE === undefined) return undefined;
  return createOidcVerifier({
    issuer: config.OIDC_ISSUER,
    audience: config.OIDC_AUDIENCE,
    jwksUrl: config.OIDC_JWKS_URL === undefined ? undefined : new URL(config.OIDC_JWKS_URL),
    rolesClaim: config.OIDC_ROLES_CLAIM,
    principalClaim: config.OIDC_PRINCIPAL_CLAIM,
    programsClaim: config.OIDC_PROGRAMS_CLAIM,
  });
}

/** The G2P Connect connector, sending through `fetch` (a DFSP's credentials) where given. */
function connectorFor(config: Config, fetch?: FetchFunction) {
  return createG2pConnectConnector({
    senderId: config.SENDER_ID,
    timeoutMs: config.DFSP_TIMEOUT_MS,
    ...(fetch === undefined ? {} : { fetch }),
  });
}
