/**
 * Why an ISO 20022 message could not be built or read:
 *
 * - `unsendable_payment`: a payment cannot be expressed in a `pain.001` (see `pain001Problem`);
 *   `paymentId` names it.
 * - `invalid_input`: the message-level input breaks a limit of the schema (an id longer than 35
 *   characters, no payment, a malformed date).
 * - `not_well_formed`, `too_large`, `too_deep`: a received document is not XML, or passes a
 *   bound; `unexpected_document`: it is XML but not the message expected;
 *   `missing_element`: a mandatory element is absent; `location` is its path.
 */
export type Iso20022ErrorCode =
  | 'unsendable_payment'
  | 'invalid_input'
  | 'not_well_formed'
  | 'too_large'
  | 'too_deep'
  | 'unexpected_document'
  | 'missing_element';

/**
 * The one error of the ISO 20022 message code. `location` is the element path where it applies
 * (`Document/CstmrPmtStsRpt/OrgnlGrpInfAndSts/OrgnlMsgId`), or the input field for a build.
 *
 * @example
 * throw new Iso20022Error('missing_element', 'Document/CstmrPmtStsRpt/GrpHdr/MsgId', 'required');
 */
export class Iso20022Error extends Error {
  override readonly name = 'Iso20022Error';

  constructor(
    readonly code: Iso20022ErrorCode,
    readonly location: string,
    message: string,
    readonly paymentId?: string,
  ) {
    super(`${location}: ${message}`);
  }
}
