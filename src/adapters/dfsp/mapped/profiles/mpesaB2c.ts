import type { ShippedProfile } from '../catalogue.js';

/**
 * M-Pesa Daraja B2C (../shared/specs/mpesa-b2c/API.md): an OAuth token (`GET /oauth/v1/generate`,
 * Basic client authentication: register `credentials.auth` as `oauth2-client-credentials` with
 * `method: "GET"`), one payment per request, an acknowledgement that only says "queued", the
 * result posted later, unsigned, to the ResultURL: so callbacks are verified by the URL's path
 * token. `OriginatorConversationID` is the payment id, so a payment sent again is refused as a
 * duplicate (`500.002.1001`) and never paid twice; that refusal counts as accepted (M-Pesa holds
 * it). The Transaction Status query is asynchronous too: its ResultURL carries `?statusOf=<id>`,
 * and its result names the payment by that query, not by its body.
 *
 * Parameters: `shortcode` (PartyA), `initiatorName`, optional `commandId` (BusinessPayment),
 * `remarks` (2–100 characters) and `certificate` (Safaricom's PEM certificate). Secrets:
 * `initiatorPassword` (encrypted under `certificate` as the SecurityCredential), or a
 * ready-made `securityCredential`. Amounts must be whole shillings (KES).
 */
export const mpesaB2c: ShippedProfile = {
  name: 'mpesa-b2c',
  version: 1,
  callbackVerification: { kind: 'path-token' },
  mapping: {
    maxPaymentsPerRequest: 1,
    submit: {
      request: {
        method: 'POST',
        path: '"/mpesa/b2c/v3/paymentrequest"',
        body: `(
          $amount := payment.amount;
          payment.currency != "KES" ? $error("M-Pesa B2C pays KES, not " & payment.currency);
          $contains($amount, ".") and $number($substringAfter($amount, ".")) != 0
            ? $error("M-Pesa B2C pays whole shillings; " & $amount & " has cents");
          {
            "OriginatorConversationID": payment.paymentId,
            "InitiatorName": parameters.initiatorName,
            "SecurityCredential": secrets.securityCredential
              ? secrets.securityCredential
              : $rsaEncrypt(secrets.initiatorPassword, parameters.certificate),
            "CommandID": parameters.commandId ? parameters.commandId : "BusinessPayment",
            "Amount": $substringBefore($amount & ".", "."),
            "PartyA": parameters.shortcode,
            "PartyB": payment.payee.id,
            "Remarks": parameters.remarks ? parameters.remarks : "Programme payment",
            "QueueTimeOutURL": callbackUrl,
            "ResultURL": callbackUrl,
            "Occasion": transactionId
          }
        )`,
      },
      outcome: `(
        $code := body.errorCode;
        status = 200 and $string(body.ResponseCode) = "0"
          ? { "outcome": "accepted", "dfspTransactionId": body.ConversationID }
        : $code = "500.002.1001" ? { "outcome": "accepted" }
        : status = 429 or status = 503 or $code in ["500.003.02", "500.003.03"]
          ? { "outcome": "rejected", "code": "mpesa." & ($code ? $code : status), "transient": true }
        : status >= 500 ? { "outcome": "unknown", "message": "HTTP " & status & " " & $code }
        : { "outcome": "rejected", "code": "mpesa." & ($code ? $code : status),
            "message": body.errorMessage }
      )`,
    },
    statusQuery: {
      maxPaymentsPerRequest: 1,
      request: {
        method: 'POST',
        path: '"/mpesa/transactionstatus/v1/query"',
        body: `{
          "Initiator": parameters.initiatorName,
          "SecurityCredential": secrets.securityCredential
            ? secrets.securityCredential
            : $rsaEncrypt(secrets.initiatorPassword, parameters.certificate),
          "CommandID": "TransactionStatusQuery",
          "OriginalConversationID": payment.paymentId,
          "PartyA": parameters.shortcode,
          "IdentifierType": "4",
          "ResultURL": callbackUrl & "?statusOf=" & payment.paymentId,
          "QueueTimeOutURL": callbackUrl & "?statusOf=" & payment.paymentId,
          "Remarks": "Status of a programme payment"
        }`,
      },
      // Only acknowledged here: the answer comes as a callback (below).
      reports: `status = 200 and $string(body.ResponseCode) = "0"
        ? []
        : $error("status query refused: HTTP " & status & " " & body.errorCode)`,
    },
    callback: {
      reports: `(
        $result := body.Result;
        $code := $string($result.ResultCode);
        $value := function($key) {
          ($result.ResultParameters.ResultParameter[Key = $key]).Value
        };
        query.statusOf
          ? (
              $state := $value("TransactionStatus");
              $code = "0" ? {
                "paymentId": query.statusOf,
                "answersQuery": true,
                "status": $state = "Completed" ? "succeeded" : $state = "Failed" ? "failed"
                  : "pending",
                "reasonCode": $state = "Failed" ? "mpesa.failed"
              }
              : $code = "SFC_IC0003"
                ? { "paymentId": query.statusOf, "answersQuery": true, "status": "not_held" }
              : { "paymentId": query.statusOf, "answersQuery": true, "status": "pending" }
            )
          : {
              "paymentId": $result.OriginatorConversationID,
              "status": $code = "0" ? "succeeded" : "failed",
              "reasonCode": $code != "0" ? "mpesa." & $code,
              "reasonMessage": $code != "0" ? $result.ResultDesc
            }
      )`,
      answer: '{ "ResultCode": 0, "ResultDesc": "Accepted" }',
    },
  },
};
