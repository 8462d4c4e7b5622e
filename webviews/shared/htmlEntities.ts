// markdown-it's one use of the `entities` package (decodeHTMLStrict, for `&name;` in Markdown),
// answered by the browser's own HTML parser instead of entities' 22 KB table: the browser bundles
// alias `entities` to this module (esbuild.mjs). A textarea's content is RCDATA: setting it decodes
// character references and makes no element, runs nothing.

let scratch: HTMLTextAreaElement | undefined;

/**
 * `&name;` (or `&#n;`, `&#xh;`) decoded when it is one whole named character reference, else unchanged: as entities'
 * decodeHTMLStrict, which knows no reference without its semicolon. The browser also reads a legacy
 * name as a prefix (`&ampx;` as `&` then `x;`); a decode that leaves the semicolon is such a prefix
 * (only `&semi;` decodes to a semicolon).
 */
export function decodeHTMLStrict(text: string): string {
  if (!/^&(?:[A-Za-z][A-Za-z0-9]*|#\d+|#[xX][0-9A-Fa-f]+);$/.test(text)) return text;
  scratch ??= document.createElement('textarea');
  scratch.innerHTML = text;
  const decoded = scratch.value;
  if (decoded === text) return text;
  const named = !text.startsWith('&#');
  return named && decoded.endsWith(';') && text !== '&semi;' ? text : decoded;
}
