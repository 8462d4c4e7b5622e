import assert from 'node:assert/strict';
import { inlineScript, pageHtml } from './pageHtml';

// The webview page as the extension writes it: the bundle and styles inline, each carrying the
// page's nonce, under a CSP that lets nothing else run. (webviews/pages.browser.test.ts loads the
// built pages this way in Chromium.)

const FILES: Record<string, string> = {
  'codicons.css': '@font-face{font-family:"codicon";src:url("./codicon.ttf?721d") format("truetype")}',
  'createJob.css': 'main{color:red}/* </style><p>injected</p> */',
  'createJob.js': 'document.title="</script><script>alert(1)</script>";\n//# sourceMappingURL=createJob.js.map\n',
};

function page(title = 'Cody Batch: Create Job') {
  return pageHtml({
    script: 'createJob',
    title,
    nonce: 'bm9uY2U=',
    cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
    asset: (name) => `https://file+.vscode-resource.vscode-cdn.net/ext/dist/webviews/${name}`,
    read: (name) => FILES[name]!,
  });
}

describe('the webview page (pageHtml)', () => {
  it('lets only its own nonce’d script and styles run: no unsafe-inline, no script from elsewhere', () => {
    const html = page();
    const csp = /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)![1]!;
    assert.deepEqual(csp.split('; '), [
      "default-src 'none'",
      "style-src https://file+.vscode-resource.vscode-cdn.net 'nonce-bm9uY2U='",
      'font-src https://file+.vscode-resource.vscode-cdn.net',
      'img-src https://file+.vscode-resource.vscode-cdn.net data:',
      "script-src 'nonce-bm9uY2U='",
    ]);
    const tags = [...html.matchAll(/<(script|style)\b[^>]*>/g)].map((match) => match[0]);
    assert.equal(tags.length, 3, 'two styles and the script, inline');
    for (const tag of tags) assert.match(tag, / nonce="bm9uY2U="/, tag);
    assert.doesNotMatch(html, /<script[^>]* src=/, 'the script is not fetched');
    assert.match(
      html,
      /data-later="https:\/\/file\+\.vscode-resource\.vscode-cdn\.net\/ext\/dist\/webviews\/nameEngine\.js"/,
    );
  });

  it('ends its script and styles only where it means to, and points the codicon font at the webview’s files', () => {
    const html = page('<img src=x onerror=alert(1)>');
    assert.equal(html.match(/<\/script>/g)?.length, 1, 'one script, ended once');
    assert.equal(html.match(/<\/style>/g)?.length, 2);
    assert.doesNotMatch(html, /<img/, 'the title is text');
    assert.doesNotMatch(html, /sourceMappingURL/);
    assert.match(
      html,
      /url\("https:\/\/file\+\.vscode-resource\.vscode-cdn\.net\/ext\/dist\/webviews\/codicon\.ttf\?721d"\)/,
    );
  });
});

describe('a bundle made safe to inline (inlineScript)', () => {
  it('leaves no `</script`, `<script` or `<!--` for the HTML parser, and means the same to JavaScript', () => {
    const source = [
      'const a = "</script><!--<SCRIPT>";',
      // A pattern means the same (its `source` spells `<` as `\\x3C`, which is the same to a RegExp built from it).
      'const pattern = new RegExp(/<!--(?:[^-])*-->|<\\/script>/i.source);',
      "const b = ['<!-- x -->', '</SCRIPT>', 'x'].map((text) => pattern.test(text));",
      'const c = `<script>${a}</Script>`;',
      'return [a, b, c, 1 < 2];',
    ].join('\n');
    const safe = inlineScript(source);
    assert.doesNotMatch(safe, /<\/?script|<!--/i);
    assert.deepEqual(new Function(safe)(), new Function(source)());
  });
});
