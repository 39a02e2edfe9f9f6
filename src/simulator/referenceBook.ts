import type { DisbursementStatus, DisburseStatusReasonCode } from './wireSchemas.js';

/** One payment the simulated DFSP made; the row of `GET /ledger` and of a statement. */
export interface LedgerEntry {
  reference_id: string;
  /** Decimal string as received; money never travels as a number. */
  amount: string;
  currency: string;
  /** The account paid from: the programme's funding account, what a statement is of. */
  payer_fa: string;
  payee_fa: string;
  /** As received, when the disbursement named the payee. */
  payee_name?: string;
  /** ISO 8601 (UTC). */
  paid_at: string;
}

/** What the DFSP keeps of a disbursement it received. */
export interface ReceivedDisbursement {
  amount: string;
  currency: string;
  payerFa: string;
  payeeFa: string;
  payeeName?: string;
}

/** What the DFSP holds about a reference it accepted (the first time it saw it). */
interface ReferenceState extends ReceivedDisbursement {
  status: 'pdng' | 'succ' | 'rjct';
  reasonCode?: DisburseStatusReasonCode;
  reasonMessage?: string;
  /** When received, then when decided (ISO). */
  timestamp: string;
}

/**
 * A disbursement's outcome, decided once. A rejection by a protocol other than G2P Connect has
 * no G2P reason code: its own code lives with that protocol's record.
 */
export type Outcome =
  | { status: 'succ' }
  | { status: 'rjct'; code?: DisburseStatusReasonCode; message: string };

/** The simulator's memory of references, with the ledger of what it paid. */
export interface ReferenceBook {
  /** Whether the DFSP holds the reference: pending or paid. A rejected one it does not hold. */
  holds(referenceId: string): boolean;
  size(): number;
  /**
   * Remember a reference as pending: first seen, or sent again after a rejection (decided
   * afresh). Throws if it is held.
   */
  receive(referenceId: string, entry: ReceivedDisbursement, at: Date): void;
  /** Decide a pending reference; a `succ` adds it to the ledger. Throws if not pending. */
  settle(referenceId: string, outcome: Outcome, at: Date): void;
  /** The status line for a reference, or null when never received. */
  statusOf(referenceId: string): DisbursementStatus | null;
  /** Everything paid, in the order it was paid. */
  ledger(): readonly LedgerEntry[];
}

/** An empty in-memory reference book. */
export function createReferenceBook(): ReferenceBook {
  const references = new Map<string, ReferenceState>();
  const paid: LedgerEntry[] = [];

  return {
    holds: (referenceId) => {
      const status = references.get(referenceId)?.status;
      return status === 'pdng' || status === 'succ';
    },
    size: () => references.size,
    receive(referenceId, entry, at) {
      const status = references.get(referenceId)?.status;
      if (status === 'pdng' || status === 'succ') {
        throw new Error(`reference ${referenceId} received twice: deduplication broken`);
      }
      references.set(referenceId, { ...entry, status: 'pdng', timestamp: at.toISOString() });
    },
    settle(referenceId, outcome, at) {
      const state = references.get(referenceId);
      if (state === undefined || state.status !== 'pdng') {
        throw new Error(`reference ${referenceId} settled while not pending: would pay twice`);
      }
      state.timestamp = at.toISOString();
      state.status = outcome.status;
      if (outcome.status === 'rjct') {
        if (outcome.code !== undefined) state.reasonCode = outcome.code;
        state.reasonMessage = outcome.message;
        return;
      }
      const entry: LedgerEntry = {
        reference_id: referenceId,
        amount: state.amount,
        currency: state.currency,
        payer_fa: state.payerFa,
        payee_fa: state.payeeFa,
        paid_at: state.timestamp,
      };
      if (state.payeeName !== undefined) entry.payee_name = state.payeeName;
      paid.push(entry);
    },
    statusOf(referenceId) {
      const state = references.get(referenceId);
      if (state === undefined) return null;
      const line: DisbursementStatus = {
        reference_id: referenceId,
        timestamp: state.timestamp,
        status: state.status,
      };
      if (state.reasonCode !== undefined) line.status_reason_code = state.reasonCode;
      if (state.reasonMessage !== undefined) line.status_reason_message = state.reasonMessage;
      return line;
    },
    ledger: () => paid,
  };
}
