import { createSealer } from './adapters/secrets/sealing.js';
import { ConfigError, describeMode, loadConfig } from './config.js';
import { createProgressBar } from './progressBar.js';
import { rebuildProjection } from './projections/projectionRunner.js';
import { projections } from './projections/projections.js';
import { masterKeyFor } from './secretsKey.js';
import { feedFor, openStores } from './stores.js';

/**
 * `npm run rebuild [-- projection …]`: empties the named read models (all by default) and replays
 * the event log into them, with a progress bar when stdout is a terminal (a plain line every few
 * seconds otherwise). Stop the projector role first, or let it wait: the rebuild holds each
 * projection's lock while it runs.
 */
async function rebuild(names: readonly string[]): Promise<void> {
  const unknown = names.filter((name) => !projections.some((p) => p.name === name));
  if (unknown.length > 0) {
    const known = projections.map((p) => p.name).join(', ');
    throw new Error(`unknown projection ${unknown.join(', ')}; known: ${known}`);
  }
  const config = loadConfig();
  const { stores } = await openStores(config, createSealer((await masterKeyFor(config)).key));
  try {
    process.stdout.write(`rebuilding from ${describeMode(config)}\n`);
    const head = await stores.events.headPosition();
    for (const projection of projections) {
      if (names.length > 0 && !names.includes(projection.name)) continue;
      const progress = createProgress(projection.name, head);
      const applied = await rebuildProjection(feedFor(stores, projection), stores.sql, projection, {
        onBatch: ({ events, position }) => progress.update(events, position),
      });
      progress.done(applied);
    }
  } finally {
    await stores.close();
  }
}

/** Counts replayed events and shows them against the log's head position. */
function createProgress(name: string, head: bigint) {
  const started = performance.now();
  const bar = createProgressBar(name);
  let applied = 0;
  const text = () => {
    const seconds = Math.max((performance.now() - started) / 1000, 0.001);
    const rate = Math.round(applied / seconds).toLocaleString('en');
    return `${applied.toLocaleString('en')} events ${rate}/s`;
  };
  return {
    update(events: number, position: bigint) {
      applied += events;
      bar.update(head === 0n ? 1 : Math.min(Number((position * 1000n) / head) / 1000, 1), text());
    },
    done(total: number) {
      bar.finish(1, text());
      const seconds = (performance.now() - started) / 1000;
      process.stdout.write(
        `${name}: ${total.toLocaleString('en')} events replayed in ${seconds.toFixed(1)} s\n`,
      );
    },
  };
}

rebuild(process.argv.slice(2)).catch((error: unknown) => {
  const message =
    error instanceof ConfigError || error instanceof Error ? error.message : String(error);
  process.stderr.write(`rebuild failed: ${message}\n`);
  process.exit(1);
});
