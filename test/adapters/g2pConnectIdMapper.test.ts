import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { afterEach, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import {
  createG2pConnectIdMapper,
  type MapperEndpoint,
} from '../../src/adapters/idMapper/g2pConnectIdMapper.js';
import {
  buildResolveRequest,
  parseResolveAnswer,
} from '../../src/adapters/idMapper/mapperMessages.js';
import { IdMapperUnavailable, MAX_IDS_PER_RESOLUTION } from '../../src/application/idMapper.js';
import {
  type IdMapperSimulatorOptions,
  type RunningIdMapperSimulator,
  startIdMapperSimulator,
} from '../../src/simulator/idMapperSimulator.js';
import { freePort } from '../support/freePort.js';

const RESOLVE_PATH = '/mapper/sync/resolve';
const ACCOUNTS = new Map([
  ['NID-1001', 'Account:100200300@Bank-A'],
  ['NID-1002', 'mobile:+254700000001@mpesa'],
  ['NID-1003', 'not a financial address'],
]);

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function simulator(
  options: Partial<IdMapperSimulatorOptions> = {},
): Promise<RunningIdMapperSimulator> {
  const running = await startIdMapperSimulator({ accounts: ACCOUNTS, ...options });
  cleanups.push(() => running.close());
  return running;
}

/** A client whose programme `prog-1` uses the mapper at `url`; other programmes have none. */
function clientFor(url: string, endpoint: Partial<MapperEndpoint> = {}, timeoutMs = 2_000) {
  return createG2pConnectIdMapper({
    mapperOf: async (programId) => (programId === 'prog-1' ? { url, ...endpoint } : undefined),
    timeoutMs,
    senderId: 'ledger.example.org',
  });
}

/**
 * A mapper that is not one: a bare `node:http` server on loopback answering each resolve request
 * with `answer(request body)`, a status and a body (written as JSON unless it is a string), or
 * never answering at all (`'hang'`).
 */
async function rogueMapper(
  answer: (body: RequestBody) => { status: number; body: unknown } | 'hang',
): Promise<string> {
  const held: ServerResponse[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const reply = answer(JSON.parse(Buffer.concat(chunks).toString('utf8')) as RequestBody);
      if (reply === 'hang') {
        held.push(response);
        return;
      }
      const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
      response.writeHead(reply.status, { 'content-type': 'application/json' }).end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    for (const response of held) response.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

interface RequestBody {
  message: { transaction_id: string; resolve_request: { reference_id: string; id: string }[] };
}

/** A well-formed answer to `body` whose items are `item(asked)`. */
function answerTo(
  body: RequestBody,
  item: (asked: { reference_id: string; id: string }) => object,
) {
  return {
    header: {
      message_id: 'm-1',
      message_ts: new Date().toISOString(),
      action: 'on-resolve',
      status: 'succ',
    },
    message: {
      transaction_id: body.message.transaction_id,
      resolve_response: body.message.resolve_request.map(item),
    },
  };
}

const succeeded = (asked: { reference_id: string; id: string }) => ({
  reference_id: asked.reference_id,
  timestamp: new Date().toISOString(),
  fa: 'account:1@bank-a',
  status: 'succ',
});

// The spec itself (test/fixtures/g2p-connect-mapper/, unchanged), patched in memory for the
// sync endpoint's copy-pasted header actions (SOURCE.md): `resolve` asked, `on-resolve` answered.
const SPEC_ID = 'urn:g2p-connect:mapper:1.0.0';
const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
addFormats.default(ajv);
ajv.addSchema(loadPatchedSpec(), SPEC_ID);

function loadPatchedSpec(): object {
  const url = new URL(
    '../fixtures/g2p-connect-mapper/mapper_core_api_v1.0.0.yaml',
    import.meta.url,
  );
  const spec = parse(readFileSync(fileURLToPath(url), 'utf8'));
  const post = spec.paths[RESOLVE_PATH].post;
  const action = (schema: {
    properties: { header: { allOf: { properties: { action: { enum: string[] } } }[] } };
  }) => schema.properties.header.allOf[1]?.properties.action;
  const requestAction = action(post.requestBody.content['application/json'].schema);
  const answerAction = action(post.responses.default.content['application/json'].schema);
  if (requestAction === undefined || answerAction === undefined) throw new Error('spec moved');
  requestAction.enum = ['resolve'];
  answerAction.enum = ['on-resolve', 'on-search'];
  return spec;
}

function validatorAt(pointer: string) {
  const validate = ajv.compile({ $ref: `${SPEC_ID}#${pointer}` });
  return (value: unknown): string[] =>
    validate(value)
      ? []
      : (validate.errors ?? []).map(
          (error: ErrorObject) => `${error.instancePath || '/'} ${error.message ?? 'is invalid'}`,
        );
}

const resolvePointer = `/paths/${RESOLVE_PATH.replaceAll('/', '~1')}/post`;
const specRequest = validatorAt(`${resolvePointer}/requestBody/content/application~1json/schema`);
const specAnswer = validatorAt(
  `${resolvePointer}/responses/default/content/application~1json/schema`,
);
const specResolveRequest = validatorAt('/components/schemas/ResolveRequest');
const specResolveResponse = validatorAt('/components/schemas/ResolveResponse');

describe('resolving ids through a G2P Connect mapper', () => {
  test('known ids resolve to their financial address, normalized', async () => {
    const mapper = await simulator();
    const resolutions = await clientFor(mapper.url).resolve('prog-1', ['NID-1001', 'NID-1002']);
    expect(resolutions).toEqual(
      new Map([
        ['NID-1001', { kind: 'resolved', payeeFa: 'account:100200300@bank-a' }],
        ['NID-1002', { kind: 'resolved', payeeFa: 'mobile:+254700000001@mpesa' }],
      ]),
    );
    expect(mapper.resolvedIds()).toEqual(['NID-1001', 'NID-1002']);
  });

  test('an unknown id is unresolved, the reason naming the mapper code and message', async () => {
    const mapper = await simulator();
    const resolutions = await clientFor(mapper.url).resolve('prog-1', ['NID-9999']);
    expect(resolutions.get('NID-9999')).toEqual({
      kind: 'unresolved',
      reason: 'id mapper: succ.id.not_found (no account linked)',
    });
  });

  test('an id the mapper rejects is unresolved with its rjct code', async () => {
    const mapper = await simulator();
    const tooLong = 'N'.repeat(257);
    const resolutions = await clientFor(mapper.url).resolve('prog-1', ['', tooLong]);
    for (const id of ['', tooLong]) {
      expect(resolutions.get(id)).toEqual({
        kind: 'unresolved',
        reason: expect.stringMatching(/^id mapper: rjct\.id\.invalid/),
      });
    }
  });

  test('an address that is not a valid financial address is unresolved, and not quoted', async () => {
    const mapper = await simulator();
    const resolution = (await clientFor(mapper.url).resolve('prog-1', ['NID-1003'])).get(
      'NID-1003',
    );
    expect(resolution).toEqual({
      kind: 'unresolved',
      reason: expect.stringMatching(
        /^id mapper: succ\.id\.active \(the address it names is not valid/,
      ),
    });
    expect(JSON.stringify(resolution)).not.toContain('not a financial address');
  });

  test('an id listed twice is asked once and answered once', async () => {
    const mapper = await simulator();
    const resolutions = await clientFor(mapper.url).resolve('prog-1', ['NID-1001', 'NID-1001']);
    expect(resolutions.size).toBe(1);
    expect(mapper.lastRequest()).toMatchObject({ header: { total_count: 1 } });
  });

  test('more than 500 ids are refused before anything is sent', async () => {
    const mapper = await simulator();
    const ids = Array.from({ length: MAX_IDS_PER_RESOLUTION + 1 }, (_, index) => `NID-${index}`);
    await expect(clientFor(mapper.url).resolve('prog-1', ids)).rejects.toThrow(RangeError);
    expect(mapper.requests()).toBe(0);
  });

  test('500 ids go in one request and all come back', async () => {
    const mapper = await simulator();
    const ids = Array.from({ length: MAX_IDS_PER_RESOLUTION }, (_, index) => `NID-${index}`);
    const resolutions = await clientFor(mapper.url).resolve('prog-1', ids);
    expect(resolutions.size).toBe(MAX_IDS_PER_RESOLUTION);
    expect(mapper.requests()).toBe(1);
  });
});

describe('requests and answers as the spec describes them', () => {
  test('the request the client sends conforms to /mapper/sync/resolve', async () => {
    const mapper = await simulator();
    await clientFor(mapper.url).resolve('prog-1', ['NID-1001', 'NID-9999', '']);
    const body = mapper.lastRequest() as { message: unknown };
    expect(specRequest(body)).toEqual([]);
    // The message's anyOf (ResolveRequest | EncryptedMessage) would hide a complaint: checked alone.
    expect(specResolveRequest(body.message)).toEqual([]);
    expect(body).toMatchObject({
      header: {
        version: '1.0.0',
        action: 'resolve',
        sender_id: 'ledger.example.org',
        total_count: 3,
      },
      message: { resolve_request: [{ id: 'NID-1001', scope: 'details' }, {}, {}] },
    });
  });

  test('the spec validators do complain (so their silence above means something)', async () => {
    const mapper = await simulator();
    await clientFor(mapper.url).resolve('prog-1', ['NID-1001']);
    const body = mapper.lastRequest() as { header: object; message: { resolve_request: object[] } };
    const [item] = body.message.resolve_request;
    const header = { ...body.header, action: 'link', message_id: undefined };
    expect(specRequest(JSON.parse(JSON.stringify({ ...body, header })))).toEqual(
      expect.arrayContaining([
        "/header must have required property 'message_id'",
        '/header/action must be equal to one of the allowed values',
      ]),
    );
    const badItem = { ...item, timestamp: 'yesterday', scope: 'everything' };
    expect(
      specResolveRequest({
        ...body.message,
        resolve_request: [badItem],
        transaction_id: 'x'.repeat(100),
      }),
    ).toEqual(
      expect.arrayContaining([
        '/transaction_id must NOT have more than 99 characters',
        '/resolve_request/0/timestamp must match format "date-time"',
        '/resolve_request/0/scope must be equal to one of the allowed values',
      ]),
    );
  });

  test('the simulated mapper answers as the spec describes', async () => {
    const mapper = await simulator();
    await clientFor(mapper.url).resolve('prog-1', ['NID-1001']);
    const response = await fetch(`${mapper.url}${RESOLVE_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(mapper.lastRequest()),
    });
    const answer = (await response.json()) as { message: unknown };
    expect(response.status).toBe(200);
    expect(specAnswer(answer)).toEqual([]);
    expect(specResolveResponse(answer.message)).toEqual([]);
  });

  test('the simulated mapper refuses a body that is not a resolve request with HTTP 400', async () => {
    const mapper = await simulator();
    const response = await fetch(`${mapper.url}${RESOLVE_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ header: {}, message: {} }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ errors: [{ code: 'err.request.bad' }] });
  });

  test('with the spec default scope (yes_no) the simulated mapper names no address', async () => {
    const mapper = await simulator();
    const request = buildResolveRequest(
      ['NID-1001'],
      { messageId: 'tx-1', messageTs: new Date().toISOString(), senderId: 'ledger' },
      () => 'ref-1',
    );
    const item = { ...request.body.message.resolve_request[0], scope: undefined };
    const body = { ...request.body, message: { ...request.body.message, resolve_request: [item] } };
    const response = await fetch(`${mapper.url}${RESOLVE_PATH}`, {
      method: 'POST',
      body: JSON.stringify(body),
    });
    expect(parseResolveAnswer(await response.json(), request).get('NID-1001')).toEqual({
      kind: 'unresolved',
      reason: 'id mapper: succ.id.active',
    });
  });
});

describe('a mapper that cannot answer', () => {
  test('the bearer token is sent; a wrong one is IdMapperUnavailable naming 401', async () => {
    const mapper = await simulator({ bearerToken: 'right-token' });
    const bearer = (token: string) => ({
      credentials: { auth: { kind: 'bearer' as const, token } },
    });
    const resolved = await clientFor(mapper.url, bearer('right-token')).resolve('prog-1', [
      'NID-1001',
    ]);
    expect(resolved.get('NID-1001')).toMatchObject({ kind: 'resolved' });

    const refused = clientFor(mapper.url, bearer('wrong-token')).resolve('prog-1', ['NID-1001']);
    await expect(refused).rejects.toThrow(IdMapperUnavailable);
    await expect(refused).rejects.toThrow(/HTTP 401 \(err\.request\.unauthorized\)/);
    await expect(refused).rejects.not.toThrow(/token/);
    await expect(clientFor(mapper.url).resolve('prog-1', ['NID-1001'])).rejects.toThrow(/HTTP 401/);
  });

  test('a mapper that is down is IdMapperUnavailable naming 503, until it is back', async () => {
    const mapper = await simulator();
    const client = clientFor(mapper.url);
    mapper.setDown(true);
    await expect(client.resolve('prog-1', ['NID-1001'])).rejects.toThrow(IdMapperUnavailable);
    await expect(client.resolve('prog-1', ['NID-1001'])).rejects.toThrow(/HTTP 503/);
    mapper.setDown(false);
    expect((await client.resolve('prog-1', ['NID-1001'])).get('NID-1001')).toMatchObject({
      kind: 'resolved',
    });
  });

  test('a programme without a mapper has every id unresolved, and nothing is asked', async () => {
    const mapper = await simulator();
    const answer = await clientFor(mapper.url).resolve('prog-2', ['NID-1001', 'NID-1002']);
    expect([...answer.values()]).toEqual([
      { kind: 'unresolved', reason: 'programme prog-2 has no ID mapper registered' },
      { kind: 'unresolved', reason: 'programme prog-2 has no ID mapper registered' },
    ]);
    expect(mapper.requests()).toBe(0);
  });

  test('a mapper nothing listens on is IdMapperUnavailable', async () => {
    const port = await freePort();
    const attempt = clientFor(`http://127.0.0.1:${port}`).resolve('prog-1', ['NID-1001']);
    await expect(attempt).rejects.toThrow(IdMapperUnavailable);
    await expect(attempt).rejects.toThrow(/ECONNREFUSED/);
  });

  test('a mapper that never answers is IdMapperUnavailable after timeoutMs', async () => {
    const url = await rogueMapper(() => 'hang');
    const attempt = clientFor(url, {}, 200).resolve('prog-1', ['NID-1001']);
    await expect(attempt).rejects.toThrow(/no complete answer within 200 ms/);
  });

  test('a mapper URL carrying a password is refused without quoting it', async () => {
    const attempt = clientFor('http://user:s3cret@127.0.0.1:1').resolve('prog-1', ['NID-1001']);
    await expect(attempt).rejects.toThrow(IdMapperUnavailable);
    await expect(attempt).rejects.not.toThrow(/s3cret/);
  });
});

describe('a mapper answering what is not the protocol', () => {
  const garbage: [string, (body: RequestBody) => { status: number; body: unknown }, RegExp][] = [
    [
      'an empty object',
      () => ({ status: 200, body: {} }),
      /not a G2P Connect resolve response: header/,
    ],
    ['text that is not JSON', () => ({ status: 200, body: 'OK' }), /not JSON/],
    [
      'an item still pending',
      (body) => ({
        status: 200,
        body: answerTo(body, (asked) => ({ ...succeeded(asked), status: 'pdng' })),
      }),
      /is still pdng/,
    ],
    [
      'an item left out',
      (body) => ({
        status: 200,
        body: answerTo({ message: { ...body.message, resolve_request: [] } }, succeeded),
      }),
      /no item for 1 of the 1 ids asked/,
    ],
    [
      'an item for a reference not asked',
      (body) => ({
        status: 200,
        body: answerTo(body, (asked) => ({ ...succeeded(asked), reference_id: 'x\u0000y' })),
      }),
      /reference_id "xy", which was not asked/,
    ],
    [
      'an item naming another id',
      (body) => ({
        status: 200,
        body: answerTo(body, (asked) => ({ ...succeeded(asked), id: 'NID-7' })),
      }),
      /names another id/,
    ],
    [
      'another transaction',
      (body) => ({
        status: 200,
        body: answerTo({ message: { ...body.message, transaction_id: 'tx-other' } }, succeeded),
      }),
      /is for transaction "tx-other"/,
    ],
    [
      'the request rejected as a whole',
      (body) => {
        const answer = answerTo(body, succeeded);
        return {
          status: 200,
          body: {
            ...answer,
            header: {
              ...answer.header,
              status: 'rjct',
              status_reason_code: 'rjct.total_count.limit_exceeded',
            },
          },
        };
      },
      /rejected the request: id mapper: rjct\.total_count\.limit_exceeded/,
    ],
    [
      'an HTTP 500',
      () => ({ status: 500, body: { errors: [{ code: 'err.service.unavailable' }] } }),
      /HTTP 500/,
    ],
  ];

  test.each(garbage)('%s is IdMapperUnavailable', async (_name, answer, problem) => {
    const url = await rogueMapper(answer);
    const attempt = clientFor(url).resolve('prog-1', ['NID-1001']);
    await expect(attempt).rejects.toThrow(IdMapperUnavailable);
    await expect(attempt).rejects.toThrow(problem);
  });

  test('a well-formed answer from the same server resolves (the cases above differ only in their fault)', async () => {
    const url = await rogueMapper((body) => ({ status: 200, body: answerTo(body, succeeded) }));
    const resolutions = await clientFor(url).resolve('prog-1', ['NID-1001']);
    expect(resolutions.get('NID-1001')).toEqual({ kind: 'resolved', payeeFa: 'account:1@bank-a' });
  });

  test('a mapper message is cleaned of control characters and bounded to 300 characters', async () => {
    const url = await rogueMapper((body) => ({
      status: 200,
      body: answerTo(body, (asked) => ({
        reference_id: asked.reference_id,
        timestamp: new Date().toISOString(),
        status: 'rjct',
        status_reason_code: 'rjct.id.invalid',
        status_reason_message: `bad\u0007 id\r\n${'x'.repeat(900)}`,
      })),
    }));
    const resolution = (await clientFor(url).resolve('prog-1', ['NID-1001'])).get('NID-1001');
    if (resolution?.kind !== 'unresolved') throw new Error('expected an unresolved id');
    expect(resolution.reason).toMatch(/^id mapper: rjct\.id\.invalid \(bad id x+…$/);
    expect(Array.from(resolution.reason)).toHaveLength(300);
  });

  test('an address named beside a code saying there is none is not paid', async () => {
    const url = await rogueMapper((body) => ({
      status: 200,
      body: answerTo(body, (asked) => ({
        ...succeeded(asked),
        status_reason_code: 'succ.fa.not_linked_to_id',
      })),
    }));
    const resolution = (await clientFor(url).resolve('prog-1', ['NID-1001'])).get('NID-1001');
    expect(resolution).toEqual({
      kind: 'unresolved',
      reason: 'id mapper: succ.fa.not_linked_to_id',
    });
  });
});
