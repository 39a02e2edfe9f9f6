/**
 * `npm run bench [-- b1 b2 b3 b4 b5]`: the benchmark scenarios of BENCHMARKS.md, one after the
 * other (never side by side: they would measure each other), each printing its own table and
 * writing its JSON result under bench/results; then every headline figure against its target.
 */
import os from 'node:os';
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

/** How long a scenario waits at most for the load of the one before it to die down. */
const SETTLE_MAX_MS = 120_000;

/** The 1-minute load average below which the machine counts as quiet: half its cores. */
const quiet = () => (os.loadavg()[0] ?? 0) < os.cpus().length / 2;

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
const machine: string[][] = [];
for (const name of chosen) {
  const scenario = SCENARIOS[name];
  if (scenario === undefined) continue;
  process.stdout.write(`\n== ${name}\n`);
  if (machine.length > 0) await settle();
  const scenarioStarted = performance.now();
  const loadBefore = os.loadavg();
  try {
    results.push(await scenario());
  } catch (error) {
    failed.push(name);
    process.stderr.write(
      `${name} failed: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
  }
  const load = machineLoad(loadBefore, os.loadavg());
  machine.push([name, ...load.row]);
  process.stdout.write(
    `(${name}: ${((performance.now() - scenarioStarted) / 1000).toFixed(0)} s; ${load.said})\n`,
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
process.stdout.write(`\n== the machine (${os.cpus().length} cores)\n`);
printTable([
  ['scenario', 'load before (1/5/15 min)', 'load after (1/5/15 min)', 'busy'],
  ...machine,
]);
for (const result of results) process.stdout.write(`${result.scenario}: ${result.resultFile}\n`);
if (failed.length > 0) {
  process.stderr.write(`scenarios that failed: ${failed.join(', ')}\n`);
  process.exit(1);
}

/**
 * Waits until the machine is quiet, at most {@link SETTLE_MAX_MS}: the 1-minute load average
 * still holds the scenario before (it decays by e in a minute), and measured from its start it
 * would mark the next one busy with our own work. Still busy after the wait: other work runs.
 */
async function settle(): Promise<void> {
  const deadline = performance.now() + SETTLE_MAX_MS;
  if (quiet()) return;
  process.stdout.write(`(waiting up to ${SETTLE_MAX_MS / 1000} s for the load to settle)\n`);
  while (!quiet() && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5_000));
  }
}

/**
 * The load averages before and after a scenario, and whether the machine was busy with work not
 * the scenario's own: a 1-minute load of half the cores or more *before* it started (during it,
 * the scenario loads the machine itself). A busy machine's figures are low by an unknown amount:
 * compare within one run, quote ratios.
 */
function machineLoad(
  before: readonly number[],
  after: readonly number[],
): { row: string[]; said: string } {
  const format = (load: readonly number[]) => load.map((value) => value.toFixed(2)).join(' / ');
  const busy = (before[0] ?? 0) >= os.cpus().length / 2;
  const said =
    `load ${format(before)} before, ${format(after)} after` +
    (busy ? ': the machine was BUSY before it started, figures are low' : '');
  return { row: [format(before), format(after), busy ? 'BUSY' : 'no'], said };
}
