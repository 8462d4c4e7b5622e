import assert from 'node:assert/strict';
import { parseRepositoryNotes } from './agentDraft';

// Notes per repository as the Create Job form takes them: `owner/name: note` lines, or JSON.

const problems = (text: string) => {
  const parsed = parseRepositoryNotes(text);
  assert.equal(parsed.ok, false);
  return (parsed as { problems: string[] }).problems;
};

describe('notes per repository, as typed', () => {
  it('reads one note a line, the note being everything after the first colon', () => {
    const parsed = parseRepositoryNotes(
      '# comments and blank lines are skipped\n\n acme/a : run: make test \r\nacme/b:x',
    );
    assert.deepEqual(parsed, {
      ok: true,
      notes: [
        { name: 'acme/a', note: 'run: make test', line: 3 },
        { name: 'acme/b', note: 'x', line: 4 },
      ],
    });
  });

  it('names the line of each mistake', () => {
    assert.deepEqual(
      problems(`acme/a: ok\nplease use pnpm\nnot a repo: x\nacme/b:   \nACME/A: again\nacme/c: ${'n'.repeat(2001)}`),
      [
        'line 2: write the repository, a colon, then the note ("acme/widgets: use pnpm, not npm")',
        'line 3: "not a repo" is not a repository in the form owner/name',
        'line 4: the note for acme/b is empty',
        'line 5: ACME/A has a note already (line 1): one per repository',
        'line 6: the note for acme/c has 2,001 characters; at most 2,000',
      ],
    );
  });

  it('reads the JSON object the CLI takes, and says what is wrong with one', () => {
    assert.deepEqual(parseRepositoryNotes('{"acme/a": "two\\nlines"}'), {
      ok: true,
      notes: [{ name: 'acme/a', note: 'two\nlines' }],
    });
    assert.match(problems('{"acme/a": "x",}')[0]!, /^is not valid JSON \(/);
    assert.deepEqual(problems('{"acme/a": 3, "../x": "y"}'), [
      'the note for "acme/a" must be a string',
      '"../x" is not a repository in the form owner/name',
    ]);
  });
});
