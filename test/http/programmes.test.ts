import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../../src/application/eventStore.js';
import type { ProgrammeCommands } from '../../src/application/programmeCommands.js';
import type { SqlDatabase } from '../../src/application/sqlDatabase.js';
import { programmeStream } from '../../src/domain/programmeEvents.js';
import { as, pgliteEventStore, realProgrammes, TOKENS, testApp } from './support.js';

/** `PUT`/`GET /v1/programmes/{programId}`: approval and ID mapper, credentials write-only. */

describe('programme registration', () => {
  let db: SqlDatabase;
  let events: EventStore;
  let programmes: ProgrammeCommands;
  beforeAll(async () => {
    ({ db, events } = await pgliteEventStore());
    programmes = await realProgrammes({ events, db });
  });
  afterAll(async () => {
    await db?.close();
  });

  const put = (programId: string, body: unknown) =>
    testApp({ events, programmes }).request(`/v1/programmes/${programId}`, {
      method: 'PUT',
      headers: as(TOKENS.admin),
      body: JSON.stringify(body),
    });
  const get = async (programId: string) =>
    (
      await testApp({ events, programmes }).request(`/v1/programmes/${programId}`, {
        headers: as(TOKENS.admin),
      })
    ).json();
  const mapper = {
    url: 'http://127.0.0.1:4100/spar/v1',
    credentials: { auth: { kind: 'bearer', token: 'mapper-token-never-shown-0001' } },
  };

  it('records an ID mapper with its credentials sealed, answering only their kind', async () => {
    const response = await put('CT-MAP', { idMapper: mapper });
    expect(response.status).toBe(200);
    const answer = await response.json();
    expect(answer).toMatchObject({
      programId: 'CT-MAP',
      created: true,
      registered: true,
      approval: 'four-eyes',
      idMapper: { url: mapper.url, credentials: { auth: 'bearer', clientTls: false } },
    });
    const { created: _created, ...registration } = answer as Record<string, unknown>;
    expect(await get('CT-MAP')).toEqual(registration);
    const recorded = await events.readStream(programmeStream('CT-MAP'));
    const stream = JSON.stringify(recorded.map((event) => event.data));
    expect(stream).not.toContain('mapper-token-never-shown');
    expect(JSON.stringify(answer)).not.toContain('mapper-token-never-shown');
    expect(await programmes.idMapperOf('CT-MAP')).toEqual({
      url: mapper.url,
      credentials: { auth: { kind: 'bearer', token: 'mapper-token-never-shown-0001' } },
    });
  });

  it('records nothing when the same registration comes again, and keeps credentials not resent', async () => {
    await put('CT-SAME', { idMapper: mapper });
    const again = await (await put('CT-SAME', { idMapper: mapper })).json();
    expect(again).toMatchObject({ created: false });
    const withoutCredentials = await (
      await put('CT-SAME', { idMapper: { url: mapper.url } })
    ).json();
    expect(withoutCredentials).toMatchObject({
      created: false,
      idMapper: { credentials: { auth: 'bearer' } },
    });
    expect(await events.readStream(programmeStream('CT-SAME'))).toHaveLength(1);
    const removed = await (
      await put('CT-SAME', {
        idMapper: { url: mapper.url, credentials: { auth: { kind: 'none' } } },
      })
    ).json();
    expect(removed).toMatchObject({ created: true, idMapper: { credentials: null } });
    expect(await programmes.idMapperOf('CT-SAME')).toEqual({ url: mapper.url });
  });

  it('answers the defaults for a programme never registered', async () => {
    expect(await get('CT-NEVER')).toEqual({
      programId: 'CT-NEVER',
      registered: false,
      approval: 'four-eyes',
      idMapper: null,
    });
  });

  it('refuses a mapper on a metadata address, SSH credentials and an unknown field, changing nothing', async () => {
    const metadata = await put('CT-BAD', { idMapper: { url: 'http://169.254.169.254/latest' } });
    expect(metadata.status).toBe(400);
    expect(await metadata.json()).toMatchObject({
      type: expect.stringMatching(/\/id_mapper_url_refused$/),
      errors: [{ path: 'idMapper.url' }],
    });
    const ssh = await put('CT-BAD', {
      idMapper: { url: mapper.url, credentials: { auth: { kind: 'ssh-password', password: 'x' } } },
    });
    expect(ssh.status).toBe(400);
    expect(await ssh.json()).toMatchObject({
      type: expect.stringMatching(/\/invalid_credentials$/),
    });
    const unknown = await put('CT-BAD', { approval: 'upstream', mapper: mapper });
    expect(unknown.status).toBe(400);
    const notUrl = await put('CT-BAD', { idMapper: { url: 'ftp://mapper' } });
    expect(notUrl.status).toBe(400);
    expect(await events.readStream(programmeStream('CT-BAD'))).toHaveLength(0);
  });
});
