import { readFile } from 'node:fs/promises';
import { memoryPages, validateXML } from 'xmllint-wasm';

/** The official ISO 20022 schemas kept in `test/fixtures/iso20022/` (see its SOURCE.md). */
export type Iso20022Schema =
  | 'pain.001.001.09'
  | 'pain.002.001.10'
  | 'camt.054.001.08'
  | 'camt.053.001.08';

/** A document larger than this is refused before validation: beyond any file a test builds. */
const MAX_XML_BYTES = 64 * 1024 * 1024;
/** libxml2 in WebAssembly needs room for a 5,000-transaction file and the schema; 1 GiB at most. */
const MAX_MEMORY_PAGES = memoryPages.GiB;

const schemaTexts = new Map<Iso20022Schema, Promise<string>>();

function schemaText(schema: Iso20022Schema): Promise<string> {
  let text = schemaTexts.get(schema);
  if (text === undefined) {
    text = readFile(new URL(`../fixtures/iso20022/${schema}.xsd`, import.meta.url), 'utf8');
    schemaTexts.set(schema, text);
  }
  return text;
}

/**
 * Validates `xml` against the official XSD of `schema` with libxml2 (`xmllint-wasm`, no network,
 * no native library). `errors` holds one line per libxml2 error, `line N: message`, empty when
 * the document is valid. A document that is not well-formed XML is invalid (its parse errors are
 * the errors); the promise rejects only when the validator itself fails.
 *
 * @example
 * const { valid, errors } = await validateXml(buildPain001(input), 'pain.001.001.09');
 * expect(errors).toEqual([]);
 */
export async function validateXml(
  xml: string,
  schema: Iso20022Schema,
): Promise<{ valid: boolean; errors: string[] }> {
  if (Buffer.byteLength(xml, 'utf8') > MAX_XML_BYTES) {
    return { valid: false, errors: [`document larger than ${MAX_XML_BYTES} bytes: not validated`] };
  }
  const result = await validateXML({
    xml: [{ fileName: 'document.xml', contents: xml }],
    schema: [{ fileName: `${schema}.xsd`, contents: await schemaText(schema) }],
    maxMemoryPages: MAX_MEMORY_PAGES,
  });
  const errors = result.errors.map((error) =>
    error.loc === null ? error.message : `line ${error.loc.lineNumber}: ${error.message}`,
  );
  return { valid: result.valid && errors.length === 0, errors };
}
