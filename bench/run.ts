/**
 * `npm run bench [-- b1 b2 b3 b4 b5]`: the benchmark scenarios of BENCHMARKS.md, one after the
 * other (never side by side: they would measure each other), each printing its own table and
 * writing its JSON result under bench/results; then every headline figure against its target.
 */
import { b1EndToEnd, b1Mpesa, b5Embedded } from './b1EndToEnd.js';
import { b2EventStore } from './b2EventStore.js';
import { b3Replay } from './b3Replay.js';
import { b4Queries } from './b4Queries.js';
import { printTable } from './benchSupport.js';
import type { Scenario, ScenarioResult } from './scenario.js';

const SCENARIOS: Readonly<Record<string, Scenario>> = {
  b1: b1EndToEnd,
  'b1-mpesa': b1Mpesa,
  b2: b2EventStore,
  b3: b3Replay,
  b4: b4Queries,
  b5: b5Embedded,
};

const asked = process.argv.slice(2).filter((arg) => arg !== '--');
const unknown = asked.filter((name) => !(name in SCENARIOS));
if (unknown.length > 0) {
  process.stderr.write(
    `unknown scenario ${unknown.join(', ')}; known: ${Object.keys(SCENARIOS).join(', ')}\n`,
  );
  process.exit(2);
}
const chosen = asked.length > 0 ? asked : Object.keys(SCENARIOS);
const started = performance.now();
const results: ScenarioResult[] = [];
const failed: string[] = [];
for (const name of chosen) {
  const scenario = SCENARIOS[name];
  if (scenario === undefined) continue;
  process.stdout.write(`\n== ${name}\n`);
  const scenarioStarted = performance.now();
  try {
    results.push(await scenario());
  } catch (error) {
    failed.push(name);
    process.stderr.write(
      `${name} failed: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
  }
  process.stdout.write(
    `(${name}: ${((performance.now() - scenarioStarted) / 1000).toFixed(0)} s)\n`,
  );
}

process.stdout.write(`\n== summary (${((performance.now() - started) / 60_000).toFixed(1)} min)\n`);
printTable([
  ['scenario', 'figure', 'value', 'target', 'met'],
  ...results.flatMap((result) =>
    result.figures.map((figure) => [
      result.scenario,
      figure.name,
      figure.value,
      figure.target || 'report it',
      figure.met === undefined ? '' : figure.met ? 'yes' : 'NO',
    ]),
  ),
]);
for (const result of results) process.stdout.write(`${result.scenario}: ${result.resultFile}\n`);
if (failed.length > 0) {
  process.stderr.write(`scenarios that failed: ${failed.join(', ')}\n`);
  process.exit(1);
}
