import type { ShippedProfile } from '../catalogue.js';

/**
 * A Mojaloop-connected DFSP reached through the SDK scheme adapter's outbound API
 * (../shared/specs/mojaloop-sdk/): `POST /transfers` with auto-accepted party and quote answers
 * synchronously with the transfer's final state. `COMPLETED` with a `COMMITTED` fulfil is
 * success; `ERROR_OCCURRED` with a Mojaloop error code is a failure with that code. Amounts are
 * written without trailing zeros (`"10.5"`). The SDK makes up the `transferId`, so a sending that
 * timed out cannot be asked about: such a payment stays in doubt with this DFSP for an operator to
 * resolve, and is never sent again blindly (there is no status query in this profile).
 *
 * Parameters: `payerIdType` (default `ACCOUNT_ID`) and `payerIdValue` (default the id of the
 * DFSP's `payerFa`), and an optional `note`. The payee's id type follows its financial address
 * type: `msisdn`/`mobile` → MSISDN, `iban` → IBAN, anything else ACCOUNT_ID.
 */
export const mojaloopSdk: ShippedProfile = {
  name: 'mojaloop-sdk',
  version: 1,
  mapping: {
    maxPaymentsPerRequest: 1,
    submit: {
      request: {
        method: 'POST',
        path: '"/transfers"',
        body: `(
          $payeeType := $lowercase(payment.payee.type);
          {
            "homeTransactionId": payment.paymentId,
            "from": {
              "idType": parameters.payerIdType ? parameters.payerIdType : "ACCOUNT_ID",
              "idValue": parameters.payerIdValue ? parameters.payerIdValue
                : $substringBefore($substringAfter(dfsp.payerFa, ":"), "@")
            },
            "to": {
              "idType": $payeeType in ["msisdn", "mobile"] ? "MSISDN"
                : $payeeType = "iban" ? "IBAN" : "ACCOUNT_ID",
              "idValue": payment.payee.id
            },
            "amountType": "SEND",
            "currency": payment.currency,
            "amount": $trimAmount(payment.amount),
            "transactionType": "TRANSFER",
            "note": parameters.note ? parameters.note : "Programme payment"
          }
        )`,
      },
      outcome: `(
        $final := body.fulfil.body.transferState;
        $failure := body.transferState.lastError.mojaloopError.errorInformation;
        status = 200 and body.currentState = "COMPLETED" and $final = "COMMITTED"
          ? { "outcome": "accepted", "result": "succeeded", "dfspTransactionId": body.transferId }
        : body.transferState.currentState = "ERROR_OCCURRED" and $failure.errorCode
          ? { "outcome": "accepted", "result": "failed", "dfspTransactionId": body.transferId,
              "reasonCode": "mojaloop." & $failure.errorCode,
              "reasonMessage": $failure.errorDescription }
        : status = 503 or status = 429
          ? { "outcome": "rejected", "code": "mojaloop.unavailable", "transient": true }
        : status = 400
          ? { "outcome": "rejected", "code": "mojaloop.bad_request", "message": body.message }
        : { "outcome": "unknown", "message": "HTTP " & status & " " & body.currentState }
      )`,
    },
  },
};
