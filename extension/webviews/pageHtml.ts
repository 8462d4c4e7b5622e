// A webview's page, as text: html.ts gives it the webview's nonce, origin and files. Apart from
// `vscode` so the tests can load the page in Chromium as the extension writes it.

/** The pages of dist/webviews: each has `<name>.js` and `<name>.css`. */
export type WebviewScript = 'diff' | 'thread' | 'createJob' | 'overview' | 'compose';

export interface PageParts {
  script: WebviewScript;
  title: string;
  /** A fresh random value per page: the CSP lets run only the scripts and styles that carry it. */
  nonce: string;
  /** Where the webview's own files come from (`webview.cspSource`). */
  cspSource: string;
  /** The URL the webview loads a file of dist/webviews from. */
  asset(name: string): string;
  /** The text of a file of dist/webviews. */
  read(name: string): string;
}

/**
 * The script each page loads after its first paint (by the `data-later` URL of its own script, with
 * its nonce): the Create Job form's name filters' engine (esbuild.mjs, webviews/createJob/nameEngine.ts).
 */
const LATER_SCRIPTS: Partial<Record<WebviewScript, string>> = { createJob: 'nameEngine' };

/**
 * The page, with its script and styles inline (each `<script>` and `<style>` carrying the nonce the
 * CSP names; nothing else inline may run). A webview fetches every file through its service worker,
 * which asks the extension host for it: in a remote workbench that was about 1.4 s between a new
 * diff panel's navigation and its script running (bench/webview.ts). Inline, a page's first paint
 * fetches nothing; the codicon font and the Create Job form's name filters' engine (loaded after the
 * form paints) still come from dist/webviews. The codicons stylesheet is linked once more after the
 * script (where it holds nothing up) for `vscode-icon`, which copies that link, by its id, into its
 * shadow root.
 */
export function pageHtml(parts: PageParts): string {
  const { script, nonce, cspSource, asset, read } = parts;
  const csp = [
    `default-src 'none'`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  // The font is the one file the codicons need: its URL made absolute, as an inline style's base is the page's.
  const codicons = read('codicons.css').replace(/url\("\.\/([^"?]+)/g, (_, name: string) => `url("${asset(name)}`);
  const later = LATER_SCRIPTS[script];
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<style nonce="${nonce}">${inlineStyle(codicons)}</style>
<style nonce="${nonce}">${inlineStyle(read(`${script}.css`))}</style>
<title>${escapeHtml(parts.title)}</title>
</head>
<body>
<main id="app" aria-busy="true"><p class="loading">Loading…</p></main>
<script nonce="${nonce}"${later ? ` data-later="${escapeHtml(asset(`${later}.js`))}"` : ''}>${inlineScript(withoutSourceMap(read(`${script}.js`)))}</script>
<link rel="stylesheet" href="${escapeHtml(asset('codicons.css'))}" id="vscode-codicon-stylesheet" nonce="${nonce}">
</body>
</html>`;
}

/**
 * A script's text made safe to put between `<script>` and `</script>`. The HTML parser ends a script
 * at `</script`, and after `<!--` a `<script` would make it miss the real end; in a minified bundle
 * these appear only inside string, template and regular expression literals (diff2html's and
 * markdown-it's HTML patterns), where `\x3C` means the same `<`.
 */
export function inlineScript(text: string): string {
  return text.replace(/<(?=!--|\/?script)/gi, '\\x3C');
}

/** A stylesheet's text made safe between `<style>` and `</style>` (`\3C` is CSS's escape of `<`). */
function inlineStyle(text: string): string {
  return withoutSourceMap(text).replace(/<(?=\/style)/gi, '\\3C ');
}

/** The bundle's last-line sourcemap comment: relative to the file, it means nothing inline. */
function withoutSourceMap(text: string): string {
  return text.replace(/\n\/[/*]# sourceMappingURL=\S+(?: \*\/)?\s*$/, '\n');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
