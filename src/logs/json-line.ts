/**
 * One value as a line of JSON that is safe to print on a terminal. `JSON.stringify` escapes C0
 * controls (ESC included) but writes DEL, the C1 controls U+0080–U+009F and the line separators
 * U+2028/U+2029 as they are; log fields are client text, and a user agent holding U+009B (an 8-bit
 * CSI) would then drive a terminal that honours C1 controls. Escaping them keeps the JSON equal.
 */
const UNSAFE_FOR_TERMINALS = /[\u007f-\u009f\u2028\u2029]/;
const ALL_UNSAFE_FOR_TERMINALS = new RegExp(UNSAFE_FOR_TERMINALS.source, 'g');

export function jsonLine(value: unknown): string {
  const json = JSON.stringify(value);
  return UNSAFE_FOR_TERMINALS.test(json) ? json.replace(ALL_UNSAFE_FOR_TERMINALS, escapeChar) : json;
}

function escapeChar(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}
