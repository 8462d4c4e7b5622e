import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { transformSync } from 'esbuild';
import { REPO_ROOT } from './helpers/localStack';

// The browser bundles leave out a module of common/ none of whose exports they use (esbuild.mjs,
// commonDeclarationsOnly), which is right only while a module of common/ does nothing at load but
// declare: imports, exports, types, functions, classes and constants. A statement that runs for its
// effect (registering something, setting a global, configuring zod) would be lost from a page.

const COMMON = path.join(REPO_ROOT, 'common');

function modules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return modules(file);
    return /\.ts$/.test(entry.name) && !/\.test\.ts$/.test(entry.name) ? [file] : [];
  });
}

/**
 * The top-level statements of a module that are not declarations, as `file: text`. esbuild's
 * JavaScript (types gone, strings in double quotes on one line) starts each top-level statement at
 * the line's start and indents what continues it, so a line that starts with anything but a
 * declaration's keyword or a closing bracket is a statement of its own, unless it is inside a
 * template literal (the only literal that spans lines).
 */
function effects(file: string, text = readFileSync(file, 'utf8')): string[] {
  const { code } = transformSync(text, { loader: 'ts', format: 'esm', sourcefile: file });
  const found: string[] = [];
  let inTemplate = false;
  for (const line of code.split('\n')) {
    const starts = !inTemplate && /^\S/.test(line);
    if (starts && !/^(import|export|const|let|var|(async )?function\*?|class)\b|^[}\])]|^\/\//.test(line))
      found.push(`${path.relative(REPO_ROOT, file)}: ${line.slice(0, 80)}`);
    // Backticks outside double-quoted strings open and close templates (a nested one comes in pairs).
    const ticks =
      line
        .replace(/\\./g, '')
        .replace(/"[^"]*"/g, (quoted) => (inTemplate ? quoted : ''))
        .split('`').length - 1;
    if (ticks % 2 === 1) inTemplate = !inTemplate;
  }
  return found;
}

describe('common/', () => {
  it('only declares at load: no module runs a statement for its effect', () => {
    const found = modules(COMMON);
    assert.ok(found.length > 50, `read common/'s modules (${found.length})`);
    assert.deepEqual(
      found.flatMap((file) => effects(file)),
      [],
    );
  });

  it('tells a module that runs something at load', () => {
    const probe = path.join(COMMON, 'probe.ts');
    const text =
      "import * as z from 'zod';\nexport const A = z.string();\nz.config({ jitless: true });\n" +
      'const B = `a\n${[1].map((x) => `- ${x}`)}\nif (x) {`;\nif (A) A.parse(B);\n';
    assert.deepEqual(effects(probe, text), [
      'common/probe.ts: z.config({ jitless: true });',
      'common/probe.ts: if (A) A.parse(B);',
    ]);
  });
});
