import { assertNever } from '../domain/assertNever.js';
import {
  type Injected,
  type InjectionName,
  injectionNames,
  type StatementLine,
} from './simulatedStatement.js';

/** Paid references the period must hold for an injection to have one to touch. */
const paymentsNeeded: Readonly<Record<InjectionName, number>> = {
  'wrong-amount': 1,
  reversal: 2,
  'unknown-line': 0,
  omission: 3,
  'balance-break': 0,
};

/** Most characters of an `inject` list: five names and their commas fit well inside it. */
const MAX_INJECT_CHARS = 200;

/**
 * The injections named by a comma list (`wrong-amount,omission`), each once, in the order they
 * are applied; an empty or absent list is none.
 *
 * @example
 * parseInjections('omission,reversal'); // { ok: true, value: ['reversal', 'omission'] }
 */
export function parseInjections(
  text: string | undefined,
): { ok: true; value: InjectionName[] } | { ok: false; message: string } {
  if (text === undefined || text.trim() === '') return { ok: true, value: [] };
  if (text.length > MAX_INJECT_CHARS) {
    return { ok: false, message: `inject: at most ${MAX_INJECT_CHARS} characters` };
  }
  const asked = new Set(text.split(',').map((name) => name.trim()));
  const unknown = [...asked].filter((name) => !isInjectionName(name));
  if (unknown.length > 0) {
    return {
      ok: false,
      message: `inject: unknown ${unknown
        .slice(0, 5)
        .map((n) => JSON.stringify(n.slice(0, 30)))
        .join(', ')}; known: ${injectionNames.join(', ')}`,
    };
  }
  return { ok: true, value: injectionNames.filter((name) => asked.has(name)) };
}

function isInjectionName(name: string): name is InjectionName {
  return (injectionNames as readonly string[]).includes(name);
}

/** What an injection needs besides the period's lines. */
export interface InjectionContext {
  /** A fresh id the ledger never issued: the `unknown-line` reference. */
  unknownReference: string;
  /** Payee of the `unknown-line` debit. */
  unknownPayeeFa: string;
  /** Booking instant of appended lines when the period lists no payment. */
  bookedAtWhenEmpty: string;
  /** 1.00 in the statement's currency, in minor units. */
  oneMajorUnitMinor: bigint;
}

/** The period's lines with the injections applied, and the fault in the closing balance. */
export type InjectionResult =
  | { ok: true; lines: StatementLine[]; injected: Injected; closingShiftMinor: bigint }
  | { ok: false; message: string };

/**
 * Applies `injections` (in `injectionNames` order) to the period's `paid` lines. Pure; refuses
 * (ok: false) when the period holds too few payments for one of them, rather than quietly
 * applying less than was asked.
 */
export function applyInjections(
  paid: readonly StatementLine[],
  injections: readonly InjectionName[],
  context: InjectionContext,
): InjectionResult {
  let lines = [...paid];
  const injected: Injected = {};
  let closingShiftMinor = 0n;
  const appendedAt = paid.at(-1)?.bookedAt ?? context.bookedAtWhenEmpty;

  for (const name of injectionNames.filter((n) => injections.includes(n))) {
    if (paid.length < paymentsNeeded[name]) {
      return {
        ok: false,
        message:
          `inject=${name} needs at least ${paymentsNeeded[name]} paid references in the period, ` +
          `it holds ${paid.length}`,
      };
    }
    switch (name) {
      case 'wrong-amount': {
        const target = paid[0];
        if (target === undefined) throw new Error('wrong-amount: count checked above');
        lines = lines.map((line) =>
          line === target ? { ...target, amountMinor: target.amountMinor + 1n } : line,
        );
        injected[name] = target.reference;
        break;
      }
      case 'reversal': {
        const target = paid[1];
        if (target === undefined) throw new Error('reversal: count checked above');
        lines.push({
          ...target,
          direction: 'credit',
          reversal: true,
          bookedAt: appendedAt,
          narrative: `REVERSAL ${target.narrative}`.slice(0, 140),
          bankReference: `SIMR${target.bankReference.slice(3)}`,
        });
        injected[name] = target.reference;
        break;
      }
      case 'unknown-line':
        lines.push({
          reference: context.unknownReference,
          amountMinor: paid[0]?.amountMinor ?? context.oneMajorUnitMinor,
          direction: 'debit',
          reversal: false,
          bookedAt: appendedAt,
          payeeFa: context.unknownPayeeFa,
          narrative: `${context.unknownPayeeFa} UNIDENTIFIED DEBIT`,
          bankReference: `SIMU${context.unknownReference.slice(-8)}`,
        });
        injected[name] = context.unknownReference;
        break;
      case 'omission': {
        const target = paid[2];
        if (target === undefined) throw new Error('omission: count checked above');
        lines = lines.filter((line) => line !== target);
        injected[name] = target.reference;
        break;
      }
      case 'balance-break':
        closingShiftMinor = -context.oneMajorUnitMinor;
        injected[name] = null;
        break;
      default:
        assertNever(name);
    }
  }
  return { ok: true, lines, injected, closingShiftMinor };
}
