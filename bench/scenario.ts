/**
 * One benchmark scenario of `npm run bench` (BENCHMARKS.md): it prints its own table while it
 * runs, writes its JSON result under bench/results (`writeResult`), and answers its headline
 * figures against their targets for the closing summary. Each scenario module also runs alone
 * (`npx tsx bench/<file>.ts`), and must stop its own processes and drop its own databases.
 */
export interface ScenarioFigure {
  /** What was measured, e.g. `append events/s (ours)`. */
  readonly name: string;
  /** The figure as printed, e.g. `18,250`. */
  readonly value: string;
  /** The target as printed, e.g. `≥ 1.5× Emmett`; empty when there is none ("report it"). */
  readonly target: string;
  /** Whether the target is met; undefined when there is no target. */
  readonly met?: boolean;
}

export interface ScenarioResult {
  readonly scenario: string;
  readonly figures: readonly ScenarioFigure[];
  /** The JSON result file written. */
  readonly resultFile: string;
}

export type Scenario = () => Promise<ScenarioResult>;

/** True when the module is run directly (`tsx bench/x.ts`), not imported by bench/run.ts. */
export function isMain(moduleUrl: string): boolean {
  const entry = process.argv[1];
  return entry !== undefined && new URL(moduleUrl).pathname.endsWith(entry.replace(/^\.\//, ''));
}
