import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createStatementReader } from '../../src/adapters/statements/statementReader.js';
import type { StatementRefusal } from '../../src/application/statementReader.js';

/**
 * Statement files shaped like real banks' (see test/fixtures/statements/corpus/SOURCES.md), each
 * read through the statement reader as an upload would be, and held to `corpus.json`: every
 * statement of the file found with every transaction line counted, or the file refused with a
 * 4xx naming the line or element.
 */

interface Expected {
  readonly contentType?: string;
  /** Transaction lines of each statement, in file order. */
  readonly statements?: readonly number[];
  /** Notice kinds the file must raise (others may come too). */
  readonly notices?: readonly string[];
  readonly format?: string;
  /** A substring of the refusal's location. */
  readonly refused?: string;
}

const CORPUS = path.join(import.meta.dirname, '../fixtures/statements/corpus');
const manifest = JSON.parse(readFileSync(path.join(CORPUS, 'corpus.json'), 'utf8')) as Record<
  string,
  Expected
>;
const files = readdirSync(CORPUS).filter((name) => !['corpus.json', 'SOURCES.md'].includes(name));
const reader = createStatementReader();

/** The HTTP status the route answers a refusal with. */
function statusOf(refusal: StatementRefusal): number {
  const statuses = {
    invalid: 400,
    too_large: 413,
    unsupported_type: 415,
    unsigned: 401,
    busy: 503,
  };
  return statuses[refusal.kind];
}

async function read(name: string, contentType: string | undefined) {
  const bytes = readFileSync(path.join(CORPUS, name));
  const body = new Blob([bytes]).stream();
  return reader.read({ contentType, body });
}

describe('the statement corpus', () => {
  it('has a manifest entry for every file and a file for every entry, 40 and more', () => {
    expect([...files].sort()).toEqual(Object.keys(manifest).sort());
    expect(files.length).toBeGreaterThanOrEqual(40);
  });

  it.each(files)('%s', async (name) => {
    const expected = manifest[name] ?? {};
    const answer = await read(name, expected.contentType);
    if (expected.refused !== undefined) {
      expect(answer.ok, 'refused').toBe(false);
      if (answer.ok) return;
      expect(statusOf(answer.refusal)).toBeGreaterThanOrEqual(400);
      expect(statusOf(answer.refusal)).toBeLessThan(500);
      expect(answer.refusal.kind).toBe('invalid');
      if (answer.refusal.kind === 'invalid') {
        expect(answer.refusal.location).toContain(expected.refused);
      }
      return;
    }
    if (!answer.ok) expect.fail(`${name} refused: ${JSON.stringify(answer.refusal)}`);
    const { statements } = answer;
    expect(statements.map((statement) => statement.lines.length)).toEqual(expected.statements);
    const kinds = new Set(statements.flatMap((s) => s.notices.map((notice) => notice.kind)));
    for (const kind of expected.notices ?? []) expect([...kinds]).toContain(kind);
    if (expected.format !== undefined) {
      expect(statements.map((statement) => statement.format)).toEqual(
        statements.map(() => expected.format),
      );
    }
    // Every line numbered in order within its statement, every amount positive.
    for (const statement of statements) {
      expect(statement.lines.map((line) => line.lineNumber)).toEqual(
        statement.lines.map((_, index) => index + 1),
      );
      for (const line of statement.lines) expect(line.amountMinor).toBeGreaterThan(0n);
    }
  });

  it('reads every file the same fed one byte at a time', async () => {
    for (const name of files) {
      const expected = manifest[name] ?? {};
      const bytes = readFileSync(path.join(CORPUS, name));
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          for (const byte of bytes) controller.enqueue(Uint8Array.of(byte));
          controller.close();
        },
      });
      const whole = await read(name, expected.contentType);
      const bytewise = await reader.read({ contentType: expected.contentType, body });
      expect(bytewise, name).toEqual(whole);
    }
  });
});
