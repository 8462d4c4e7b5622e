// Characters that change how text reads without showing themselves. Bidirectional controls reorder
// what is displayed (Trojan Source: U+202E, a right-to-left override, shows the rest of its line
// backwards, so a name or a line of code reads as something else); zero-width characters, tags
// and line separators make two names look alike or hide text. Names refuse them
// (common/schemas/); the terminal shows them escaped (cli/terminal.ts). Browser-safe.

const NAMES: Record<number, string> = {
  173: 'soft hyphen',
  1564: 'arabic letter mark',
  6158: 'mongolian vowel separator',
  8203: 'zero width space',
  8204: 'zero width non-joiner',
  8205: 'zero width joiner',
  8206: 'left-to-right mark',
  8207: 'right-to-left mark',
  8232: 'line separator',
  8233: 'paragraph separator',
  8234: 'left-to-right embedding',
  8235: 'right-to-left embedding',
  8236: 'pop directional formatting',
  8237: 'left-to-right override',
  8238: 'right-to-left override',
  8288: 'word joiner',
  8289: 'function application',
  8290: 'invisible times',
  8291: 'invisible separator',
  8292: 'invisible plus',
  8294: 'left-to-right isolate',
  8295: 'right-to-left isolate',
  8296: 'first strong isolate',
  8297: 'pop directional isolate',
  65279: 'zero width no-break space',
};

/** One invisible character, or a lone surrogate (half of a character, shown as nothing or garbage). */
const INVISIBLE_SOURCE = String.raw`[\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u{e0000}-\u{e007f}]|\p{Cs}`;
const INVISIBLE = new RegExp(INVISIBLE_SOURCE, 'u');
const INVISIBLE_ALL = new RegExp(INVISIBLE_SOURCE, 'gu');

/** The first invisible character in `text`, or undefined. */
export function findInvisible(text: string): string | undefined {
  return INVISIBLE.exec(text)?.[0];
}

/** `U+202E (right-to-left override)`: a character as a message names it. */
export function describeCharacter(char: string): string {
  const code = char.codePointAt(0) ?? 0;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  if (code >= 0xd800 && code <= 0xdfff) return `${hex} (half of a surrogate pair, alone)`;
  if (code >= 0xe0000 && code <= 0xe007f) return `${hex} (tag)`;
  return NAMES[code] ? `${hex} (${NAMES[code]})` : hex;
}

/**
 * Writes every invisible character as its escape, `\u202e` (or `\u{e0041}` beyond U+FFFF). With
 * `json`, as JSON spells it inside a string, one `\uXXXX` per UTF-16 unit (`\udb40\udc41`).
 */
export function escapeInvisible(text: string, options: { json?: boolean } = {}): string {
  const unit = (code: number) => `\\u${code.toString(16).padStart(4, '0')}`;
  return text.replace(INVISIBLE_ALL, (char) => {
    const code = char.codePointAt(0) ?? 0;
    if (code <= 0xffff) return unit(code);
    return options.json ? unit(char.charCodeAt(0)) + unit(char.charCodeAt(1)) : `\\u{${code.toString(16)}}`;
  });
}
