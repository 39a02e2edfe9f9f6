import type { CommandContext, LedgerCommands } from './ledgerCommands.js';
import type { StatementReader, StatementRefusal } from './statementReader.js';

/** What importing a statement file came to, for the file exchange journal and the log. */
export type StatementFileImport =
  | { readonly ok: true; readonly summary: string }
  | { readonly ok: false; readonly reason: string };

/**
 * Imports a statement file a bank left in its inbox: read like a statement sent over HTTP (the
 * format detected from its content), every statement in it imported. A file the readers refuse
 * answers why, naming the line or element; a reader that is busy throws, so the file is tried
 * again rather than set aside.
 *
 * @example
 * const imported = await importStatementFile({ statements, commands }, 'bank-f', bytes, context);
 */
export async function importStatementFile(
  deps: {
    readonly statements: StatementReader;
    readonly commands: Pick<LedgerCommands, 'importStatements'>;
  },
  dfspId: string,
  bytes: Uint8Array,
  context: CommandContext,
): Promise<StatementFileImport> {
  const read = await deps.statements.read({
    contentType: undefined,
    body: new Blob([bytes]).stream(),
  });
  if (!read.ok) {
    if (read.refusal.kind === 'busy') throw new Error(read.refusal.message);
    return { ok: false, reason: refusalText(read.refusal) };
  }
  const results = await deps.commands.importStatements(dfspId, read, context);
  const summary = results
    .map(
      (result) =>
        `statement ${result.statementId}: ${result.lineCount} lines` +
        (result.created ? '' : ', imported before'),
    )
    .join('; ');
  return { ok: true, summary };
}

function refusalText(refusal: Exclude<StatementRefusal, { kind: 'busy' }>): string {
  switch (refusal.kind) {
    case 'invalid':
      return `not a statement: ${refusal.message}`;
    case 'too_large':
    case 'unsupported_type':
      return refusal.message;
    case 'unsigned':
      return 'unsigned';
  }
}
