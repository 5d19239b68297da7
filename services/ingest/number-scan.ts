import type { Family } from '../families/index.ts';

/**
 * The hot path's reader for the payloads devices send nearly always: one JSON object, or an
 * array of them, whose keys are the family's fields (and `ts`) and whose values are numbers.
 * It reads each number's value and keeps its text, so that the line protocol writes the text
 * the device sent instead of printing the double again (V8's double-to-text was the largest
 * single cost of encoding a reading: 200-370 ns a value, issue 26).
 *
 * It answers only for that shape and says null for anything else (a string, a nested value,
 * an escape, an unknown or repeated key, an empty object or batch, bad JSON): the caller then
 * parses with JSON.parse as before, so every refusal and its message stays what it was. For
 * what it does answer, the items are what JSON.parse would have made, key for key and value
 * for value (tests/property/number-scan.test.ts holds the two equal on the hostile suite).
 */
export interface ScannedPayload {
  /** True when the payload was an array (a batch), even of one reading. */
  readonly batch: boolean;
  /** Numbers, and `ts` also as a string (an ISO time: timestamps.ts reads it as JSON.parse's path does). */
  readonly items: Array<Record<string, number | string>>;
  /** Each item's number texts, key for key: JSON number grammar, so valid line-protocol floats. */
  readonly texts: Array<Record<string, string>>;
}

/** A family's keys by their first character: matched in the payload's text without making a string. */
type KeyTable = ReadonlyArray<readonly string[] | undefined>;

const tables = new WeakMap<Family, KeyTable>();

function keyTableOf(family: Family): KeyTable {
  let table = tables.get(family);
  if (table === undefined) {
    const byFirst: Array<string[] | undefined> = [];
    for (const key of [...Object.keys(family.fields), 'ts']) {
      // Only plain ASCII keys without quotes or escapes are matched here; any other key takes JSON.parse.
      if (!/^[\x21\x23-\x5b\x5d-\x7e][\x20\x21\x23-\x5b\x5d-\x7e]*$/.test(key)) continue;
      (byFirst[key.charCodeAt(0)] ??= []).push(key);
    }
    tables.set(family, (table = byFirst));
  }
  return table;
}

/** Buffer's own latin1 reading, without toString's argument checks: one call a payload. */
const latin1 = (bytes: Buffer): string => (bytes as Buffer & { latin1Slice(start: number, end: number): string }).latin1Slice(0, bytes.length);

// Exact powers of ten: a mantissa below 2^53 divided or multiplied by one of these is the correctly
// rounded value of the decimal (Clinger's fast path), which is what JSON.parse returns.
const powersOfTen = Array.from({ length: 23 }, (_, k) => 10 ** k);

const SPACE = 0x20, TAB = 0x09, LF = 0x0a, CR = 0x0d;
const QUOTE = 0x22, BACKSLASH = 0x5c, TILDE = 0x7e, COMMA = 0x2c, COLON = 0x3a, MINUS = 0x2d, PLUS = 0x2b, DOT = 0x2e;
const ZERO = 0x30, NINE = 0x39, LOWER_E = 0x65, UPPER_E = 0x45;
const OPEN_OBJECT = 0x7b, CLOSE_OBJECT = 0x7d, OPEN_ARRAY = 0x5b, CLOSE_ARRAY = 0x5d;

const isDigit = (code: number): boolean => code >= ZERO && code <= NINE;

/**
 * One scan over one payload's text; `at` moves forward, `value` holds the last number read.
 * The text is the payload read as latin1: every byte one character, so a payload the scanner
 * takes (ASCII throughout: its keys are the family's, the rest JSON punctuation and numbers)
 * reads exactly as its UTF-8; a byte above 0x7f is never part of what it takes.
 */
class Scanner {
  at = 0;
  value = 0;
  constructor(readonly text: string, readonly keys: KeyTable) {}

  /** The character code after any JSON whitespace, or -1 at the end. */
  skipSpace(): number {
    const { text } = this;
    let at = this.at;
    let code = -1;
    while (at < text.length) {
      code = text.charCodeAt(at);
      if (code !== SPACE && code !== LF && code !== CR && code !== TAB) break;
      at += 1;
      code = -1;
    }
    this.at = at;
    return code;
  }

  /** The family's key at `at` (just after its opening quote), or undefined; moves past its closing quote. */
  key(): string | undefined {
    const { text, at } = this;
    const candidates = this.keys[text.charCodeAt(at)];
    if (candidates === undefined) return undefined;
    for (const candidate of candidates) {
      if (text.charCodeAt(at + candidate.length) === QUOTE && text.startsWith(candidate, at)) {
        this.at = at + candidate.length + 1;
        return candidate;
      }
    }
    return undefined; // another key, an escape, a control character: JSON.parse's path decides
  }

  /** A JSON number at `at`: its end, with its value in `value`; -1 if the text is not one. */
  number(): number {
    const { text } = this;
    const start = this.at;
    let at = start;
    const negative = text.charCodeAt(at) === MINUS;
    if (negative) at += 1;
    let mantissa = 0;
    let scale = 0; // the decimal exponent the mantissa is to be multiplied by
    const intStart = at;
    if (text.charCodeAt(at) === ZERO) at += 1;
    else {
      for (let code = text.charCodeAt(at); isDigit(code); code = text.charCodeAt(at)) {
        mantissa = mantissa * 10 + (code - ZERO);
        at += 1;
      }
    }
    if (at === intStart) return -1;
    let digits = at - intStart; // digits taken into the mantissa (a leading 0 of "0.x" too, harmlessly)
    if (text.charCodeAt(at) === DOT) {
      at += 1;
      const fractionStart = at;
      for (let code = text.charCodeAt(at); isDigit(code); code = text.charCodeAt(at)) {
        mantissa = mantissa * 10 + (code - ZERO);
        at += 1;
      }
      if (at === fractionStart) return -1;
      digits += at - fractionStart;
      scale = fractionStart - at;
    }
    const maybeExponent = text.charCodeAt(at);
    if (maybeExponent === LOWER_E || maybeExponent === UPPER_E) {
      at += 1;
      const sign = text.charCodeAt(at);
      if (sign === PLUS || sign === MINUS) at += 1;
      const exponentStart = at;
      let exponent = 0;
      for (let code = text.charCodeAt(at); isDigit(code); code = text.charCodeAt(at)) {
        if (exponent < 100_000) exponent = exponent * 10 + (code - ZERO);
        at += 1;
      }
      if (at === exponentStart) return -1;
      scale += sign === MINUS ? -exponent : exponent;
    }
    // Up to 15 digits the mantissa is exact (below 2^53); with 10^|scale| exact too (|scale| <= 22)
    // one multiplication or division is the correctly rounded value, which is what JSON.parse gives.
    if (digits <= 15 && scale >= -22 && scale <= 22) {
      const value = scale < 0 ? mantissa / powersOfTen[-scale]! : mantissa * powersOfTen[scale]!;
      this.value = negative ? -value : value;
    } else this.value = Number(text.slice(start, at));
    return at;
  }

  /** A string of printable ASCII without escapes at `at` (on its quote): its end after the closing quote, or -1. */
  plainString(): number {
    const { text } = this;
    for (let at = this.at + 1; at < text.length; at += 1) {
      const code = text.charCodeAt(at);
      if (code === QUOTE) return at + 1;
      if (code < SPACE || code > TILDE || code === BACKSLASH) return -1;
    }
    return -1;
  }

  /** `{"key":number,...}` at `at` (on its brace), `ts` maybe a string; null when it is anything else. */
  object(): { item: Record<string, number | string>; texts: Record<string, string> } | null {
    const { text } = this;
    this.at += 1;
    const item: Record<string, number | string> = {};
    const texts: Record<string, string> = {};
    if (this.skipSpace() !== QUOTE) return null; // `{}` among others: JSON.parse's path says what it is
    for (;;) {
      this.at += 1;
      const key = this.key();
      if (key === undefined || Object.hasOwn(item, key)) return null;
      if (this.skipSpace() !== COLON) return null;
      this.at += 1;
      const first = this.skipSpace();
      const start = this.at;
      if (first === QUOTE && key === 'ts') {
        const end = this.plainString();
        if (end === -1) return null;
        item[key] = text.slice(start + 1, end - 1);
        this.at = end;
      } else {
        const end = this.number();
        if (end === -1) return null;
        item[key] = this.value;
        texts[key] = text.slice(start, end);
        this.at = end;
      }
      const next = this.skipSpace();
      this.at += 1;
      if (next === CLOSE_OBJECT) return { item, texts };
      if (next !== COMMA || this.skipSpace() !== QUOTE) return null;
    }
  }
}

/** The payload's readings with their number texts, or null: JSON.parse's path decides. */
export function scanNumericPayload(payload: Buffer, family: Family): ScannedPayload | null {
  const scanner = new Scanner(latin1(payload), keyTableOf(family));
  const items: Array<Record<string, number | string>> = [];
  const texts: Array<Record<string, string>> = [];
  const first = scanner.skipSpace();
  if (first === OPEN_OBJECT) {
    const one = scanner.object();
    if (one === null || scanner.skipSpace() !== -1) return null;
    items.push(one.item);
    texts.push(one.texts);
    return { batch: false, items, texts };
  }
  if (first !== OPEN_ARRAY) return null;
  scanner.at += 1;
  for (;;) {
    if (scanner.skipSpace() !== OPEN_OBJECT) return null; // `[]` too: JSON.parse's path refuses it as ever
    const one = scanner.object();
    if (one === null) return null;
    items.push(one.item);
    texts.push(one.texts);
    const next = scanner.skipSpace();
    scanner.at += 1;
    if (next === CLOSE_ARRAY) break;
    if (next !== COMMA) return null;
  }
  return scanner.skipSpace() === -1 ? { batch: true, items, texts } : null;
}
