import { optional } from '../domain/optional.js';
import {
  ERASED_FIELDS,
  holdsPersonalData,
  isErased,
  type PersonalRecord,
  personalRecordsOf,
  splitPersonal,
  withPersonalRecords,
} from '../domain/personalData.js';
import type { EventStore, JsonValue, NewEvent, RecordedEvent } from './eventStore.js';
import type { PersonalDataVault, RecordToOpen, RecordToSeal } from './personalDataVault.js';

/**
 * An event store that never writes a beneficiary's personal data in clear: the personal fields of
 * every personal record ({@link personalRecordsOf}) are sealed under the beneficiary's key on the
 * way in and opened on the way out, so everything above the port (deciders, projections, the
 * feed, a replay) reads events as they were decided. Once a key is destroyed its records read as
 * erased ({@link ERASED_FIELDS}) everywhere at once; the events themselves, their order, counts
 * and amounts never change.
 *
 * In the log a sealed record is the record without its personal fields, plus `beneficiaryKey`
 * and `sealed`. A record with no `sealed` is read as it stands: an erased one (written after its
 * key was destroyed) or one written before sealing existed.
 *
 * @example
 * const events = protectPersonalData(createPostgresEventStore(sql), vault);
 */
export function protectPersonalData(store: EventStore, vault: PersonalDataVault): EventStore {
  const open = (events: readonly RecordedEvent[]) => openAll(vault, events);
  return {
    async append(stream, expected, events) {
      return store.append(stream, expected, await sealAll(vault, events));
    },
    async appendMany(appends) {
      const sealed = await Promise.all(
        appends.map(async (part) => ({ ...part, events: await sealAll(vault, part.events) })),
      );
      return store.appendMany(sealed);
    },
    async readStream(stream, options) {
      return open(await store.readStream(stream, options));
    },
    async readStreams(reads) {
      const read = await store.readStreams(reads);
      const opened = await open(read.flatMap(({ events }) => events));
      let next = 0;
      return read.map(({ stream, events }) => {
        const mine = opened.slice(next, next + events.length);
        next += events.length;
        return { stream, events: mine };
      });
    },
    async readAll(options) {
      const page = await store.readAll(options);
      return { ...page, events: await open(page.events) };
    },
    async *subscribeToAll(options) {
      for await (const batch of store.subscribeToAll(options)) yield await open(batch);
    },
    headPosition: () => store.headPosition(),
    close: () => store.close(),
  };
}

/** Seals the personal records of every event that holds any, in one call to the vault. */
async function sealAll(vault: PersonalDataVault, events: readonly NewEvent[]): Promise<NewEvent[]> {
  const toSeal: RecordToSeal[] = [];
  for (const event of events) {
    for (const record of personalRecordsOf(event.type, event.data)) {
      if (isErased(record)) continue;
      const { personal } = splitPersonal(record);
      const { paymentId, beneficiaryKey } = record;
      toSeal.push({ paymentId, personal, ...optional('beneficiaryKey', beneficiaryKey) });
    }
  }
  if (toSeal.length === 0) return [...events];
  const sealed = await vault.seal(toSeal);
  let next = 0;
  return events.map((event) => {
    if (!holdsPersonalData(event.type)) return event;
    const records = personalRecordsOf(event.type, event.data).map((record) => {
      if (isErased(record)) return record;
      const { rest } = splitPersonal(record);
      const seal = sealed[next];
      next += 1;
      // A key destroyed since the record was read: the beneficiary is erased meanwhile.
      if (seal === undefined) {
        return { ...rest, ...ERASED_FIELDS, ...optional('beneficiaryKey', record.beneficiaryKey) };
      }
      return { ...rest, beneficiaryKey: seal.beneficiaryKey, sealed: seal.sealed };
    });
    return { ...event, data: withPersonalRecords(event.type, event.data, records) as JsonValue };
  });
}

/** Opens the sealed records of a page of events: their keys loaded in one call to the vault. */
async function openAll(
  vault: PersonalDataVault,
  events: readonly RecordedEvent[],
): Promise<RecordedEvent[]> {
  const keys = new Set<string>();
  for (const event of events) {
    for (const record of personalRecordsOf(event.type, event.data)) {
      const sealed = sealedPart(record);
      if (sealed !== undefined) keys.add(sealed.beneficiaryKey);
    }
  }
  if (keys.size === 0) return [...events];
  const open = await vault.opener([...keys]);
  return events.map((event) => {
    if (!holdsPersonalData(event.type)) return event;
    const records = personalRecordsOf(event.type, event.data).map((record) => {
      const sealed = sealedPart(record);
      if (sealed === undefined) return record;
      const { sealed: _sealed, ...rest } = record;
      return { ...rest, ...(open(sealed) ?? ERASED_FIELDS) };
    });
    return { ...event, data: withPersonalRecords(event.type, event.data, records) as JsonValue };
  });
}

function sealedPart(record: PersonalRecord): RecordToOpen | undefined {
  const { sealed, beneficiaryKey } = record;
  if (typeof sealed !== 'string' || typeof beneficiaryKey !== 'string') return undefined;
  return { paymentId: record.paymentId, beneficiaryKey, sealed };
}
