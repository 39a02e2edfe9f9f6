/**
 * Trying a DFSP's connection before trusting it with money: the exact request a sample payment
 * would produce (nothing sent, secrets redacted), and one harmless live call per step (an access
 * token, a status query of a reference no DFSP holds).
 */

/** A payment as a preview takes it. */
export interface SamplePayment {
  readonly payeeFa: string;
  /** A decimal string in `currency`. */
  readonly amount: string;
  readonly currency: string;
  readonly payeeName?: string;
  readonly purpose?: string;
}

/** A request as it would be sent; secret values read `[redacted]`. */
export interface PreviewedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | null;
}

/** One step of a live test: what was tried and what came of it. */
export interface TrialStep {
  readonly step: 'access_token' | 'status_query' | 'sftp_session';
  readonly ok: boolean;
  readonly detail: string;
}

export interface DfspTrial {
  /**
   * The submit request `payment` would produce for the DFSP. Throws a `DomainError`:
   * `dfsp_not_found`, `preview_unavailable` (a connector that is not mapped), `invalid_payment`,
   * or `mapping_failed` naming the expression that failed.
   */
  preview(dfspId: string, payment: SamplePayment): Promise<PreviewedRequest>;
  /** Runs the live steps; a failed step is reported, not thrown. `dfsp_not_found` if unknown. */
  test(dfspId: string): Promise<readonly TrialStep[]>;
}
