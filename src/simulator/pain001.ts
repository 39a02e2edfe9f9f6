/**
 * An ISO 20022 customer credit transfer initiation (`pain.001`) as the simulated file bank reads
 * it: only what a bank needs to pay and to answer. Amounts stay decimal strings, as written.
 */

/** The pain.001 versions the file bank takes, by message name and namespace. */
export const pain001Namespaces = {
  'pain.001.001.09': 'urn:iso:std:iso:20022:tech:xsd:pain.001.001.09',
  'pain.001.001.03': 'urn:iso:std:iso:20022:tech:xsd:pain.001.001.03',
} as const;
export type Pain001Name = keyof typeof pain001Namespaces;

/** An account as `Id/IBAN` or `Id/Othr/Id` names it. */
export interface AccountId {
  scheme: 'IBAN' | 'Othr';
  id: string;
}

/** One `CdtTrfTxInf`: a payment to one creditor. */
export interface CreditTransfer {
  instrId?: string;
  /** The ledger's payment id. */
  endToEndId: string;
  /** `InstdAmt` as written (a decimal string) and its `Ccy`. */
  amount: string;
  currency: string;
  creditorName?: string;
  creditorAccount?: AccountId;
}

/** One `PmtInf`: a debit of one account and the credit transfers it pays. */
export interface PaymentInfo {
  pmtInfId: string;
  nbOfTxs?: string;
  ctrlSum?: string;
  /** `ReqdExctnDt` (`Dt`, or the date of `DtTm`; .03: the element itself), `YYYY-MM-DD`. */
  requestedExecutionDate?: string;
  debtorName?: string;
  debtorAccount?: AccountId;
  transactions: CreditTransfer[];
}

/** A whole pain.001 message. `nbOfTxs` and `ctrlSum` are as written, for the bank to check. */
export interface Pain001 {
  msgNmId: Pain001Name;
  msgId: string;
  creDtTm: string;
  nbOfTxs: string;
  ctrlSum?: string;
  paymentInfos: PaymentInfo[];
}
