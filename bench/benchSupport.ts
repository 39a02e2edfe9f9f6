import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

/** The server benchmarks run on: BENCH_DATABASE_URL, else DATABASE_URL, else the local one. */
export const benchServerUrl =
  process.env.BENCH_DATABASE_URL ??
  process.env.DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh database for one benchmark run, so figures never include an earlier run's rows. */
export async function createBenchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `g2p_bench_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(benchServerUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

async function adminQuery(sql: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: benchServerUrl });
  await client.connect();
  try {
    const result = await client.query(sql);
    return result.rows[0] ? String(Object.values(result.rows[0])[0]) : undefined;
  } finally {
    await client.end();
  }
}

/** Writes a result file under bench/results (not committed) with the machine's particulars. */
export async function writeResult(
  scenario: string,
  result: Record<string, unknown>,
): Promise<string> {
  const postgres = await adminQuery('SHOW server_version');
  const file = path.join(
    'bench',
    'results',
    `${scenario}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
  );
  await mkdir(path.dirname(file), { recursive: true });
  const body = {
    scenario,
    at: new Date().toISOString(),
    node: process.version,
    postgres,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    ...result,
  };
  const bigintAsString = (_: string, value: unknown) =>
    typeof value === 'bigint' ? String(value) : value;
  await writeFile(file, `${JSON.stringify(body, bigintAsString, 2)}\n`);
  return file;
}

/** Prints rows as an aligned table. */
export function printTable(rows: readonly (readonly string[])[]): void {
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  for (const row of rows) {
    process.stdout.write(
      `${row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ')}\n`,
    );
  }
}

export function formatRate(count: number, seconds: number): string {
  return Math.round(count / seconds).toLocaleString('en');
}

/** The version of an installed package, e.g. the comparison library a result was measured with. */
export async function installedVersion(packageName: string): Promise<string> {
  const entry = createRequire(import.meta.url).resolve(packageName);
  let folder = path.dirname(entry);
  while (!folder.endsWith(path.join('node_modules', packageName))) {
    const parent = path.dirname(folder);
    if (parent === folder) throw new Error(`no package folder for ${packageName} above ${entry}`);
    folder = parent;
  }
  const manifest = JSON.parse(await readFile(path.join(folder, 'package.json'), 'utf8'));
  return String(manifest.version);
}
