import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * Validators built from OpenG2P G2P Bridge 1.0.2's own `openapi.json`, kept unchanged (MPL-2.0)
 * in `test/fixtures/g2p-bridge/` with its licence and SOURCE.md, so the tests build requests and
 * read answers as the bridge's contract describes them, not as our reading of it does.
 */

const SPEC_URL = new URL('../fixtures/g2p-bridge/openapi.json', import.meta.url);
const SPEC_ID = 'urn:openg2p:g2p-bridge:1.0.2';

const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
addFormats.default(ajv);
ajv.addSchema(JSON.parse(readFileSync(fileURLToPath(SPEC_URL), 'utf8')) as object, SPEC_ID);

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

/** A validator for the JSON request body of `POST {path}`, e.g. `/create_disbursements`. */
export function bridgeRequestValidator(path: string): SpecValidator {
  return validatorAt(
    `/paths/${path.replaceAll('/', '~1')}/post/requestBody/content/application~1json/schema`,
  );
}

/** A validator for the HTTP 200 answer of `POST {path}`. */
export function bridgeResponseValidator(path: string): SpecValidator {
  return validatorAt(
    `/paths/${path.replaceAll('/', '~1')}/post/responses/200/content/application~1json/schema`,
  );
}
