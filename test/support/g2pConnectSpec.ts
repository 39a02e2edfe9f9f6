import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

/**
 * Validators built from the official G2P Connect disburse OpenAPI document, kept unchanged in
 * `test/fixtures/g2p-connect/` (a copy of the team's shared/specs, with its SOURCE.md: the tests
 * must not depend on a folder outside the repository), so tests check the ledger's messages
 * against the spec itself rather than against our reading of it.
 *
 * The document is loaded once and patched, here only, for the draft's known defects
 * (SOURCE.md):
 * - `DisburseRequest.required` names `disburemsents`; patched to `disbursements`.
 * - `/disburse/sync/txn/status` lists header actions `search`/`subscribe` (request) and
 *   `on-search`/`notify` (answer) where `disburse`/`on-disburse` is meant; the request is patched
 *   to `disburse` (what the ledger sends), the answer to accept `on-disburse` besides the listed.
 * `Amount` (two decimals at most) is left as it is: the ledger only sends amounts it fits.
 */

const SPEC_URL = new URL('../fixtures/g2p-connect/disburse_core_api_v1.0.0.yaml', import.meta.url);
const SPEC_ID = 'urn:g2p-connect:disburse:1.0.0';

type Json = { [key: string]: unknown };

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at `path` inside `document`; throws naming the path if it is not there. */
function at(document: unknown, path: readonly (string | number)[]): Json {
  let node: unknown = document;
  for (const key of path) {
    node = Array.isArray(node) ? node[Number(key)] : isObject(node) ? node[String(key)] : undefined;
  }
  if (!isObject(node)) throw new Error(`the spec has no object at ${path.join('/')}`);
  return node;
}

function loadPatchedSpec(): Json {
  const document: unknown = parse(readFileSync(fileURLToPath(SPEC_URL), 'utf8'));
  const disburseRequest = at(document, ['components', 'schemas', 'DisburseRequest']);
  disburseRequest.required = ['transaction_id', 'disbursements'];

  const status = ['paths', '/disburse/sync/txn/status', 'post'];
  const json = ['content', 'application/json', 'schema'];
  const headerAction = ['properties', 'header', 'allOf', 1, 'properties', 'action'];
  at(document, [...status, 'requestBody', ...json, ...headerAction]).enum = ['disburse'];
  at(document, [...status, 'responses', 'default', ...json, ...headerAction]).enum = [
    'on-disburse',
    'on-search',
    'notify',
  ];
  return at(document, []);
}

const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
addFormats.default(ajv);
ajv.addSchema(loadPatchedSpec(), SPEC_ID);

/** Answers the spec's complaints about a value, empty when it conforms. */
export type SpecValidator = (value: unknown) => string[];

function validatorAt(pointer: string): SpecValidator {
  const validate = ajv.compile({ $ref: `${SPEC_ID}#${pointer}` });
  return (value) => {
    if (validate(value)) return [];
    return (validate.errors ?? []).map(
      (error: ErrorObject) => `${error.instancePath || '/'} ${error.message ?? 'is invalid'}`,
    );
  };
}

function pointerSegment(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** A validator for `#/components/schemas/{name}`, e.g. `DisburseResponse`. */
export function componentValidator(name: string): SpecValidator {
  return validatorAt(`/components/schemas/${pointerSegment(name)}`);
}

/** A validator for the JSON request body of `POST {path}`, e.g. `/disburse`. */
export function requestBodyValidator(path: string): SpecValidator {
  return validatorAt(
    `/paths/${pointerSegment(path)}/post/requestBody/content/application~1json/schema`,
  );
}

/** A validator for the JSON `default` answer of `POST {path}`, e.g. `/disburse/sync/txn/status`. */
export function responseValidator(path: string): SpecValidator {
  return validatorAt(
    `/paths/${pointerSegment(path)}/post/responses/default/content/application~1json/schema`,
  );
}

/** A validator for the synchronous acknowledgement (`ACK`/`NACK`/`ERR`) of async endpoints. */
export function acknowledgementValidator(): SpecValidator {
  return validatorAt('/components/responses/Response/content/application~1json/schema');
}
