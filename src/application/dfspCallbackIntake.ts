import type { StatusReport } from '../domain/statusReport.js';

/** A callback on the generic path as it arrived, before anything parsed it. */
export interface ReceivedCallback {
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  readonly rawBody: Uint8Array;
  /** The query of the URL it was sent to (a callback URL the ledger handed out may carry one). */
  readonly query: Readonly<Record<string, string>>;
  /** The token in the path, where the DFSP called `/callbacks/{token}`. */
  readonly pathToken: string | undefined;
  /** The TCP peer's address (never a forwarded-for header). */
  readonly sourceAddress: string | undefined;
  readonly nowSeconds: number;
}

/** What came of reading a callback. */
export type CallbackReading =
  | { readonly kind: 'refused'; readonly reason: string }
  | { readonly kind: 'malformed'; readonly path: string; readonly message: string }
  | {
      readonly kind: 'read';
      readonly reports: StatusReport[];
      /** Reports that are the DFSP's asynchronous answer to a status query of the ledger's. */
      readonly queryAnswers: StatusReport[];
      /**
       * Reports naming the payment only by a DFSP id the ledger has not recorded yet (the
       * callback overtook the answer to the sending): the DFSP should send it again.
       */
      readonly unmatched: number;
      /** The body the DFSP expects in the answer. */
      readonly answer: unknown;
      /** Once its reports are applied: the same signed callback again is then a replay. */
      accepted(): Promise<void>;
    };

/**
 * DFSP callbacks on the generic path (`POST /v1/dfsps/{dfspId}/callbacks[/{token}]`): verified
 * the way the DFSP's registration says, then read by its connection's mapping into status
 * reports. A refusal or a malformed body changes nothing.
 */
export interface DfspCallbackIntake {
  read(dfspId: string, callback: ReceivedCallback): Promise<CallbackReading>;
}
