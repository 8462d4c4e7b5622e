import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

// The README is the page a newcomer reads: what Cody Batch is, the quick start, a short tour and the
// table of docs. Everything else lives in docs/, and stays reachable from the README: every document
// there is linked from it, and no link in the README or in docs/ leads to a file or a heading that
// is not there (a moved or renamed section breaks the test, not the reader's click).

const ROOT = path.resolve(__dirname, '..');
const README = path.join(ROOT, 'README.md');
const DOCS = path.join(ROOT, 'docs');
const README_MOST_LINES = 250;

const read = (file: string) => readFileSync(file, 'utf8');
const withoutCode = (text: string) => text.replace(/^```[\s\S]*?^```/gm, '');

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function anchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function anchors(file: string): Set<string> {
  const headings = [...withoutCode(read(file)).matchAll(/^#{1,6} (.+)$/gm)].map((match) => anchor(match[1]!));
  return new Set(headings);
}

/** The relative links of a Markdown file, outside code blocks: `[text](target)`. */
function relativeLinks(file: string): string[] {
  return [...withoutCode(read(file)).matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1]!)
    .filter((target) => !/^[a-z]+:/i.test(target));
}

const markdownFiles = [README, ...readdirSync(DOCS).map((name) => path.join(DOCS, name))].filter((file) =>
  file.endsWith('.md'),
);

describe('docs', () => {
  it(`keeps the README to ${README_MOST_LINES} lines at most`, () => {
    const lines = read(README).split('\n').length - 1;
    assert.ok(lines <= README_MOST_LINES, `README.md has ${lines} lines: move the details to docs/`);
  });

  it('links every document in docs/ from the README', () => {
    const linked = new Set(relativeLinks(README).map((target) => path.resolve(ROOT, target.split('#')[0]!)));
    for (const name of readdirSync(DOCS)) {
      assert.ok(linked.has(path.join(DOCS, name)), `docs/${name} is not linked from README.md`);
    }
  });

  it('has no relative link to a missing file or heading', () => {
    for (const file of markdownFiles) {
      for (const target of relativeLinks(file)) {
        const [to, hash] = target.split('#');
        const resolved = to ? path.resolve(path.dirname(file), to) : file;
        const where = `${path.relative(ROOT, file)} links to ${target}`;
        assert.ok(existsSync(resolved), `${where}, which does not exist`);
        if (hash) assert.ok(anchors(resolved).has(hash), `${where}, a heading that is not there`);
      }
    }
  });
});
