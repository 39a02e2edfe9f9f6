import { SaxesParser, type SaxesTagNS } from 'saxes';
import type { StatementNotice } from '../../domain/statement.js';
import { decoderOf, type TextDecoding, textDecoding } from './statementCharset.js';
import { boundedBytes, StatementFormatError } from './statementInput.js';

/** Bounds of one XML read; a document beyond one is refused (`tooLarge`), never truncated. */
export interface XmlReadOptions {
  readonly maxBytes: number;
  /** Deepest element nesting; the root element is depth 1. */
  readonly maxDepth: number;
  /**
   * Longest text of one element, and longest stretch the parser may hold without reaching the
   * next piece of markup (a giant comment, tag, CDATA section or DOCTYPE).
   */
  readonly maxTextChars: number;
  /** Local names numbered among their same-named siblings in locations (`Ntry[3]`). */
  readonly indexed: ReadonlySet<string>;
  /** Local names numbered from the second on (`Stmt`, then `Stmt[2]`). */
  readonly indexedFromSecond?: ReadonlySet<string>;
  /** The charset the body was declared in outside it (`Content-Type`), if any. */
  readonly charset?: string;
  /** Told how the body was decoded when it was not plain UTF-8. */
  readonly onNotice?: (notice: StatementNotice) => void;
  /** Locations of elements this deep or deeper leave out their ancestors above it (0: none). */
  readonly locationFromDepth: number;
}

/** An element opened: `depth` 0 is the root. */
export interface XmlOpen {
  readonly kind: 'open';
  readonly name: string;
  readonly uri: string;
  readonly depth: number;
  readonly location: string;
}

/** An element closed, with its unprefixed attributes and, for a leaf, its text (untrimmed). */
export interface XmlClose {
  readonly kind: 'close';
  readonly name: string;
  readonly depth: number;
  readonly location: string;
  readonly attributes: ReadonlyMap<string, string>;
  readonly text: string;
}

export type XmlElementEvent = XmlOpen | XmlClose;

interface Frame {
  readonly name: string;
  readonly location: string;
  readonly attributes: ReadonlyMap<string, string>;
  text: string;
  /** Same-named children seen so far; undefined while the element has no child. */
  childCounts: Map<string, number> | undefined;
}

/** Text is handed to the parser this many characters at a time, so one huge chunk stays bounded. */
const SLICE_CHARS = 64 * 1024;
/** Room for the markup that ends a maximal text (`</Name>` and the like). */
const MARKUP_SLACK_CHARS = 1_024;
/** Parser messages are cut to this length: they may quote an element name. */
const MAX_MESSAGE_CHARS = 120;
const NO_ATTRIBUTES: ReadonlyMap<string, string> = new Map();

/**
 * The elements of a UTF-8 XML document as its bytes arrive, read by `saxes` (strict, namespace
 * aware, non-validating): open/close events with local names, in one batch per chunk read (an
 * await per event would cost more than the parsing). The text is decoded in the encoding its XML
 * declaration names (else `options.charset`, else UTF-8, falling back to windows-1252 for bytes
 * that are not UTF-8: see `textDecoding`). A DOCTYPE is refused outright, so no entity is ever
 * declared, expanded or fetched; an encoding no reader reads, malformed XML and every limit
 * passed throw a `StatementFormatError` at the element where it happened. Stops pulling `input`
 * at the first error.
 *
 * @example
 * for await (const events of xmlElements(body, options)) {
 *   for (const event of events) {
 *     if (event.kind === 'close' && event.name === 'Id') console.log(event.location, event.text);
 *   }
 * }
 */
export async function* xmlElements(
  input: AsyncIterable<Uint8Array>,
  options: XmlReadOptions,
): AsyncGenerator<readonly XmlElementEvent[]> {
  const parser = new SaxesParser({ xmlns: true });
  const stack: Frame[] = [];
  let pending: XmlElementEvent[] = [];
  let written = 0;
  let lastEventAt = 0;
  const here = (): string => stack.at(-1)?.location ?? 'body';
  const progressed = () => {
    lastEventAt = parser.position;
  };

  parser.on('error', (error) => {
    const reason = error.message.slice(0, MAX_MESSAGE_CHARS);
    throw new StatementFormatError(here(), `not well-formed XML (${reason})`);
  });
  parser.on('doctype', () => {
    throw new StatementFormatError('body', 'a DOCTYPE is not allowed (no DTDs, no entities)');
  });
  parser.on('xmldecl', progressed);
  parser.on('comment', progressed);
  parser.on('processinginstruction', progressed);
  parser.on('opentagstart', progressed);
  parser.on('opentag', (tag) => {
    progressed();
    const parent = stack.at(-1);
    const depth = stack.length;
    if (depth + 1 > options.maxDepth) {
      throw new StatementFormatError(here(), `nested deeper than ${options.maxDepth}`, true);
    }
    const location = locate(parent, tag.local, depth, options);
    if (parent !== undefined) parent.text = '';
    stack.push({
      name: tag.local,
      location,
      attributes: unprefixedAttributes(tag),
      text: '',
      childCounts: undefined,
    });
    pending.push({ kind: 'open', name: tag.local, uri: tag.uri, depth, location });
  });
  const addText = (text: string) => {
    progressed();
    const frame = stack.at(-1);
    // Only a leaf's text matters; whitespace between children is dropped as it comes.
    if (frame === undefined || frame.childCounts !== undefined) return;
    if (frame.text.length + text.length > options.maxTextChars) {
      throw new StatementFormatError(
        frame.location,
        `text longer than ${options.maxTextChars} characters`,
        true,
      );
    }
    frame.text += text;
  };
  parser.on('text', addText);
  parser.on('cdata', addText);
  parser.on('closetag', () => {
    progressed();
    const frame = stack.pop();
    if (frame === undefined) throw new StatementFormatError('body', 'closing tag without opening');
    pending.push({
      kind: 'close',
      name: frame.name,
      depth: stack.length,
      location: frame.location,
      attributes: frame.attributes,
      text: frame.text,
    });
  });

  const write = (text: string) => {
    for (let start = 0; start < text.length; start += SLICE_CHARS) {
      const slice = text.slice(start, start + SLICE_CHARS);
      parser.write(slice);
      // Not parser.position: between writes it counts the last slice twice.
      written += slice.length;
      if (written - lastEventAt > options.maxTextChars + MARKUP_SLACK_CHARS) {
        throw new StatementFormatError(
          here(),
          `text or markup longer than ${options.maxTextChars} characters`,
          true,
        );
      }
    }
  };
  const drain = () => {
    const events = pending;
    pending = [];
    return events;
  };

  let decoding: TextDecoding | undefined;
  let head: Uint8Array[] = [];
  const decodeHead = (): string => {
    const bytes = Buffer.concat(head);
    head = [];
    decoding = textDecoding(decoderOf(declaredEncoding(bytes) ?? options.charset, 'body'));
    return decoding.decode(bytes, here());
  };
  for await (const bytes of boundedBytes(input, options.maxBytes)) {
    if (decoding === undefined) {
      head.push(bytes);
      if (head.reduce((sum, chunk) => sum + chunk.byteLength, 0) < DECLARATION_BYTES) continue;
      write(decodeHead());
    } else {
      write(decoding.decode(bytes, here()));
    }
    yield drain();
  }
  if (decoding === undefined) write(decodeHead());
  write((decoding as TextDecoding | undefined)?.end(here()) ?? '');
  for (const notice of decoding?.notices() ?? []) options.onNotice?.(notice);
  parser.close();
  yield drain();
}

/** Bytes looked at for an XML declaration before decoding starts. */
const DECLARATION_BYTES = 256;

/** The `encoding` an XML declaration at the start of `bytes` names, if any. */
function declaredEncoding(bytes: Uint8Array): string | undefined {
  const start = Buffer.from(bytes.subarray(0, DECLARATION_BYTES)).toString('latin1');
  return /^(?:\u00ef\u00bb\u00bf)?\s*<\?xml\s[^>]*?\bencoding\s*=\s*["']([^"']{1,40})["']/.exec(
    start,
  )?.[1];
}

function locate(
  parent: Frame | undefined,
  name: string,
  depth: number,
  options: XmlReadOptions,
): string {
  let segment = name;
  if (parent !== undefined) {
    parent.childCounts ??= new Map();
    const count = (parent.childCounts.get(name) ?? 0) + 1;
    parent.childCounts.set(name, count);
    if (options.indexed.has(name)) segment = `${name}[${count}]`;
    else if (count > 1 && options.indexedFromSecond?.has(name)) segment = `${name}[${count}]`;
  }
  if (parent === undefined || depth === options.locationFromDepth) return segment;
  return `${parent.location}/${segment}`;
}

function unprefixedAttributes(tag: SaxesTagNS): ReadonlyMap<string, string> {
  let attributes: Map<string, string> | undefined;
  for (const attribute of Object.values(tag.attributes)) {
    if (attribute.prefix !== '') continue;
    if (attribute.local === 'xmlns') continue;
    attributes ??= new Map();
    attributes.set(attribute.local, attribute.value);
  }
  return attributes ?? NO_ATTRIBUTES;
}
