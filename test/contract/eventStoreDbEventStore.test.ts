import { createEventStoreDbEventStore } from '../../src/adapters/eventStore/eventStoreDbEventStore.js';
import type { EventStore } from '../../src/application/eventStore.js';
import { describeEventStoreContract, type StoreHarness } from './eventStoreContract.js';

const url = process.env.EVENTSTORE_URL;

async function createHarness(): Promise<StoreHarness> {
  if (url === undefined) throw new Error('EVENTSTORE_URL is not set');
  const store = createEventStoreDbEventStore(url);
  const writers: EventStore[] = [];
  return {
    store,
    async openSecondWriter() {
      const writer = createEventStoreDbEventStore(url);
      writers.push(writer);
      return writer;
    },
    async close() {
      await Promise.all([store, ...writers].map((opened) => opened.close()));
    },
  };
}

describeEventStoreContract(
  'EventStoreDB',
  createHarness,
  url === undefined
    ? {
        skip:
          'EVENTSTORE_URL is not set: ' +
          'the EventStoreDB contract runs where an EventStoreDB node is reachable',
      }
    : undefined,
);
